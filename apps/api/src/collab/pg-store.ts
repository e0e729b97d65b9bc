/**
 * The BoardStore over plain `pg`, on the same tables Prisma maps (BoardDocument, BoardUpdate). Used by the
 * collab tests and bench, which must run where no Prisma client is generated; production uses
 * `prismaBoardStore`. `ensureCollabTables` creates the two tables (and a minimal Board) in a scratch database.
 */
import type pg from "pg";
import type { BoardStore } from "./store.ts";

export function pgBoardStore(pool: pg.Pool): BoardStore {
  return {
    async load(boardId) {
      const doc = await pool.query<{ state: Buffer; compactedThrough: string }>(
        `SELECT state, "compactedThrough" FROM "BoardDocument" WHERE "boardId" = $1`,
        [boardId],
      );
      const through = BigInt(doc.rows[0]?.compactedThrough ?? 0);
      const rows = await pool.query<{ id: string; update: Buffer }>(
        `SELECT id, update FROM "BoardUpdate" WHERE "boardId" = $1 AND id > $2 ORDER BY id`,
        [boardId, through.toString()],
      );
      const updates = [
        ...doc.rows.map((r) => new Uint8Array(r.state)),
        ...rows.rows.map((r) => new Uint8Array(r.update)),
      ];
      const last = rows.rows.at(-1);
      return { updates, lastUpdateId: last ? BigInt(last.id) : through, compactedThrough: through };
    },
    async append(boardId, update) {
      const r = await pool.query<{ id: string }>(
        `INSERT INTO "BoardUpdate" ("boardId", update) VALUES ($1, $2) RETURNING id`,
        [boardId, Buffer.from(update)],
      );
      return BigInt(r.rows[0]?.id ?? 0);
    },
    async compact(boardId, state, through) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        await client.query(
          `INSERT INTO "BoardDocument" ("boardId", state, "compactedThrough", "updatedAt") VALUES ($1, $2, $3, now())
           ON CONFLICT ("boardId") DO UPDATE SET state = $2, "compactedThrough" = $3, "updatedAt" = now()`,
          [boardId, Buffer.from(state), through.toString()],
        );
        await client.query(`DELETE FROM "BoardUpdate" WHERE "boardId" = $1 AND id <= $2`, [
          boardId,
          through.toString(),
        ]);
        await client.query("COMMIT");
      } catch (e) {
        await client.query("ROLLBACK");
        throw e;
      } finally {
        client.release();
      }
    },
  };
}

export async function ensureCollabTables(pool: pg.Pool): Promise<void> {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS "Board" (id TEXT PRIMARY KEY);
    CREATE TABLE IF NOT EXISTS "BoardDocument" (
      "boardId" TEXT PRIMARY KEY REFERENCES "Board"(id) ON DELETE CASCADE,
      state BYTEA NOT NULL, "compactedThrough" BIGINT NOT NULL DEFAULT 0, "updatedAt" TIMESTAMP(3) NOT NULL);
    CREATE TABLE IF NOT EXISTS "BoardUpdate" (
      id BIGSERIAL PRIMARY KEY, "boardId" TEXT NOT NULL REFERENCES "Board"(id) ON DELETE CASCADE,
      update BYTEA NOT NULL, "createdAt" TIMESTAMP(3) NOT NULL DEFAULT now());
    CREATE INDEX IF NOT EXISTS "BoardUpdate_boardId_id_idx" ON "BoardUpdate"("boardId", id);`);
}
