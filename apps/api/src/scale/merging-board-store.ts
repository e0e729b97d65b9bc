/**
 * The board store for several API nodes. The embedded store's compaction (collab/store.ts) replaces the
 * snapshot with this node's document and deletes log rows up to an id; with two nodes editing one board
 * that could drop an update the other node logged and this node had not received yet over Redis, or
 * overwrite a snapshot holding updates this node never saw. Here compaction merges instead — stored
 * snapshot ∪ the log rows it folds ∪ this node's document (Yjs updates merge without loss, in any
 * order) — under a per-board advisory lock, and deletes exactly the rows it folded. `load` reads every
 * remaining row, so a row committed by another node below `compactedThrough` is never skipped.
 */
import * as Y from "yjs";
import type { BoardStore } from "../collab/index.ts";
import type { PrismaClient } from "../db/index.ts";

const bytes = (u: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(u);

export function mergingBoardStore(prisma: PrismaClient): BoardStore {
  return {
    async load(boardId) {
      const doc = await prisma.boardDocument.findUnique({ where: { boardId } });
      const through = doc?.compactedThrough ?? 0n;
      const rows = await prisma.boardUpdate.findMany({ where: { boardId }, orderBy: { id: "asc" } });
      const last = rows.at(-1)?.id ?? 0n;
      return {
        updates: doc ? [doc.state, ...rows.map((r) => r.update)] : rows.map((r) => r.update),
        lastUpdateId: last > through ? last : through,
        compactedThrough: through,
      };
    },
    async append(boardId, update) {
      const row = await prisma.boardUpdate.create({ data: { boardId, update: bytes(update) }, select: { id: true } });
      return row.id;
    },
    async compact(boardId, state, through) {
      await prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtext(${`board:${boardId}`}))`;
        const stored = await tx.boardDocument.findUnique({ where: { boardId } });
        const rows = await tx.boardUpdate.findMany({
          where: { boardId, id: { lte: through } },
          orderBy: { id: "asc" },
          select: { id: true, update: true },
        });
        const doc = new Y.Doc({ gc: true });
        if (stored) Y.applyUpdate(doc, stored.state);
        for (const r of rows) Y.applyUpdate(doc, r.update);
        Y.applyUpdate(doc, state);
        const merged = bytes(Y.encodeStateAsUpdate(doc));
        doc.destroy();
        const compactedThrough = stored && stored.compactedThrough > through ? stored.compactedThrough : through;
        await tx.boardDocument.upsert({
          where: { boardId },
          create: { boardId, state: merged, compactedThrough },
          update: { state: merged, compactedThrough },
        });
        if (rows.length) await tx.boardUpdate.deleteMany({ where: { id: { in: rows.map((r) => r.id) } } });
      });
    },
  };
}
