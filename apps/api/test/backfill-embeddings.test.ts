/**
 * Candidates stored without an embedding (before search existed) get theirs from their token grids
 * (`search/backfill-embeddings.ts`), against the real PostgreSQL and the real model: the same embedding (up to
 * float noise) and tags as when they were made, found by search again; other models' candidates untouched; a
 * second run finds nothing to do; a process that finds the lock held leaves the work to the one holding it.
 */
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backfillEmbeddings } from "../src/search/backfill-embeddings.ts";
import { Client, startTestApi } from "./api-harness.ts";
import { scratchDatabase } from "./db-helpers.ts";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let api: Awaited<ReturnType<typeof startTestApi>>;
let sql: pg.Client;
let owner: Client;
let boardId: string;
const log = pino({ level: "silent" });

beforeAll(async () => {
  db = await scratchDatabase("tessera_backfill");
  api = await startTestApi({ databaseUrl: db.url });
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  owner = new Client(api.url);
  boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "old") { id } }`))
    .createBoard.id;
}, 120_000);
afterAll(async () => {
  await sql?.end();
  await api?.close();
  await db?.drop();
});

const backfill = () => {
  const engine = api.services.engine!;
  return backfillEmbeddings({
    prisma: api.services.prisma,
    model: engine.model(),
    describe: (grids) => engine.describeGrids(grids),
    log,
    batch: 3,
    pauseMs: 0,
  });
};

describe("embedding backfill", () => {
  it("gives candidates stored without an embedding the one they would have had, and search finds them", async () => {
    const g = await owner.ok<{ startGeneration: { id: string } }>(
      `mutation($b: ID!) { startGeneration(boardId: $b, cardId: "c", prompt: "a blue car", n: 4, params: { seed: 3 }) { id } }`,
      { b: boardId },
    );
    await owner.collect(`subscription($id: ID!) { generationEvents(generationId: $id) { seq } }`, {
      id: g.startGeneration.id,
    });
    const made = (
      await sql.query(
        `SELECT e."candidateId" AS id, e."embedding", e."tags" FROM "CandidateEmbedding" e
         JOIN "Candidate" c ON c.id = e."candidateId" WHERE c."generationId" = $1 ORDER BY c.index`,
        [g.startGeneration.id],
      )
    ).rows as { id: string; embedding: number[]; tags: string[] }[];
    expect(made).toHaveLength(4);
    // As a board from before search: no embeddings, no tags.
    await sql.query(`DELETE FROM "CandidateEmbedding" WHERE "candidateId" = ANY($1)`, [made.map((m) => m.id)]);
    await sql.query(`UPDATE "Candidate" SET "tags" = NULL WHERE id = ANY($1)`, [made.map((m) => m.id)]);
    // Another model's candidate: its codes mean nothing to this model's decoder, so it is left alone.
    await sql.query(
      `INSERT INTO "Generation" ("id", "boardId", "cardId", "prompt", "n", "seed", "params", "modelName", "modelVersion",
         "unknownWords", "status", "createdById")
       SELECT 'other-gen', $1, 'c', 'x', 1, 0, '{}', 'tessera-tiny', '1.0.0', '{}', 'FINISHED', "createdById"
       FROM "Generation" WHERE id = $2`,
      [boardId, g.startGeneration.id],
    );
    await sql.query(
      `INSERT INTO "Candidate" ("id", "generationId", "index", "tokens") VALUES ('other-cand', 'other-gen', 0, $1)`,
      [Array.from({ length: 256 }, (_, i) => i % 7)],
    );
    const search = () =>
      owner.ok<{ searchBoard: { candidate: { id: string } }[] }>(
        `query($b: ID!) { searchBoard(boardId: $b, text: "blue", limit: 10) { candidate { id } } }`,
        { b: boardId },
      );
    expect((await search()).searchBoard).toEqual([]);

    expect(await backfill()).toBe(4);
    const back = (
      await sql.query(
        `SELECT e."candidateId" AS id, e."embedding", e."tags", c."tags" AS "candidateTags", e."model"
         FROM "CandidateEmbedding" e JOIN "Candidate" c ON c.id = e."candidateId"
         WHERE c."generationId" = $1 ORDER BY c.index`,
        [g.startGeneration.id],
      )
    ).rows as { id: string; embedding: number[]; tags: string[]; candidateTags: string[]; model: string }[];
    expect(back.map((b) => b.id)).toEqual(made.map((m) => m.id));
    back.forEach((b, i) => {
      let cosine = 0;
      for (let d = 0; d < b.embedding.length; d++) cosine += b.embedding[d]! * made[i]!.embedding[d]!;
      expect(cosine).toBeGreaterThan(0.9999);
      expect(b.tags).toEqual(made[i]!.tags);
      expect(b.candidateTags).toEqual(made[i]!.tags);
      expect(b.model).toBe(`${api.services.engine!.model().name}@${api.services.engine!.model().version}`);
    });
    expect((await search()).searchBoard.map((m) => m.candidate.id).sort()).toEqual(made.map((m) => m.id).sort());
    const other = await sql.query(`SELECT 1 FROM "CandidateEmbedding" WHERE "candidateId" = 'other-cand'`);
    expect(other.rowCount).toBe(0);
    expect(await backfill()).toBe(0);
  }, 120_000);

  it("leaves the work to whoever holds the lock", async () => {
    await sql.query(`DELETE FROM "CandidateEmbedding"`);
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT pg_advisory_xact_lock($1)", [0x7e55e1a]);
      expect(await backfill()).toBe(0);
      await holder.query("COMMIT");
      expect(await backfill()).toBe(4);
    } finally {
      await holder.end();
    }
  }, 60_000);
});
