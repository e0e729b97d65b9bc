import { JoinPage } from "../../../src/components/JoinPage.tsx";

export default async function Page({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  return <JoinPage token={token} />;
}
