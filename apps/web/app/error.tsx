"use client";

export default function ErrorPage({ reset }: { error: Error; reset: () => void }) {
  return (
    <main className="message-page" role="alert">
      <h1>Something went wrong</h1>
      <p>The page hit an unexpected error. Your board is saved.</p>
      <button type="button" onClick={reset}>
        Try again
      </button>
    </main>
  );
}
