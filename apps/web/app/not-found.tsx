export default function NotFound() {
  return (
    <main className="message-page">
      <h1>Nothing here</h1>
      <p>
        This page doesn't exist. <a href="/">Back to your boards</a>
      </p>
    </main>
  );
}
