import { BoardPage } from "../../../src/components/BoardPage.tsx";

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <BoardPage boardId={id} />;
}
