/**
 * Where board documents live. The log-then-compact design (reliability 1): every incoming update is
 * appended to BoardUpdate before the client is acknowledged; compaction folds the log into
 * BoardDocument.state and deletes the folded rows in one transaction.
 */
import * as Y from "yjs";

export interface LoadedBoard {
  /** Every stored update (snapshot first), in order. */
  updates: Uint8Array[];
  /** Highest BoardUpdate id folded in or read, 0n when none. */
  lastUpdateId: bigint;
  /** BoardDocument.compactedThrough, 0n when there is no snapshot yet. */
  compactedThrough: bigint;
}

export interface BoardStore {
  load(boardId: string): Promise<LoadedBoard>;
  append(boardId: string, update: Uint8Array): Promise<bigint>;
  /** Replace the snapshot with `state` and delete log rows with id <= through, atomically. */
  compact(boardId: string, state: Uint8Array, through: bigint): Promise<void>;
}

/** The slice of the API's PrismaClient this module uses (models BoardDocument and BoardUpdate). */
export interface CollabPrisma {
  boardDocument: {
    findUnique(args: { where: { boardId: string } }): Promise<{ state: Uint8Array; compactedThrough: bigint } | null>;
    upsert(args: {
      where: { boardId: string };
      create: { boardId: string; state: Uint8Array<ArrayBuffer>; compactedThrough: bigint };
      update: { state: Uint8Array<ArrayBuffer>; compactedThrough: bigint };
    }): PromiseLike<unknown>;
  };
  boardUpdate: {
    findMany(args: {
      where: { boardId: string; id: { gt: bigint } };
      orderBy: { id: "asc" };
    }): Promise<{ id: bigint; update: Uint8Array }[]>;
    create(args: { data: { boardId: string; update: Uint8Array<ArrayBuffer> } }): Promise<{ id: bigint }>;
    deleteMany(args: { where: { boardId: string; id: { lte: bigint } } }): PromiseLike<unknown>;
  };
  $transaction(ops: PromiseLike<unknown>[]): Promise<unknown>;
}

const bytes = (u: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(u);

export function prismaBoardStore(prisma: CollabPrisma): BoardStore {
  return {
    async load(boardId) {
      const doc = await prisma.boardDocument.findUnique({ where: { boardId } });
      const through = doc?.compactedThrough ?? 0n;
      const rows = await prisma.boardUpdate.findMany({
        where: { boardId, id: { gt: through } },
        orderBy: { id: "asc" },
      });
      const updates = doc ? [doc.state, ...rows.map((r) => r.update)] : rows.map((r) => r.update);
      return { updates, lastUpdateId: rows.at(-1)?.id ?? through, compactedThrough: through };
    },
    async append(boardId, update) {
      const row = await prisma.boardUpdate.create({ data: { boardId, update: bytes(update) } });
      return row.id;
    },
    async compact(boardId, state, through) {
      await prisma.$transaction([
        prisma.boardDocument.upsert({
          where: { boardId },
          create: { boardId, state: bytes(state), compactedThrough: through },
          update: { state: bytes(state), compactedThrough: through },
        }),
        prisma.boardUpdate.deleteMany({ where: { boardId, id: { lte: through } } }),
      ]);
    },
  };
}

/** Applies stored updates to a doc; a corrupt row is skipped (and reported) rather than losing the board. */
export function applyStored(doc: Y.Doc, updates: Uint8Array[], onCorrupt: (index: number, e: unknown) => void): void {
  updates.forEach((u, i) => {
    try {
      Y.applyUpdate(doc, u, "store");
    } catch (e) {
      onCorrupt(i, e);
    }
  });
}
