/**
 * Search over boards held in memory (`search/embedding-index.ts`) against the real PostgreSQL: the same
 * candidates, scores and order as the SQL search, for any mix of text, tag boost, tag filter and "more like this";
 * and as fresh as the database at every search — new candidates, an embedding a retried job rewrote, and rows
 * deleted (even where a late commit keeps the count) — with nothing telling the index; boards too large to hold are
 * searched in SQL, and what is held stays within its bound.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../src/db/index.ts";
import { searchBoardVectors, searchByVector, type VectorSearch } from "../src/search/board-search.ts";
import { EmbeddingIndex } from "../src/search/embedding-index.ts";
import { scratchDatabase } from "./db-helpers.ts";
import { fillBoard, randomUnit } from "./search-fixtures.ts";

const DIM = 192;
const TAGS = ["red", "blue", "green", "yellow", "cat", "rocket", "apple", "top left", "center", "bottom right"];
const MODEL = { modelName: "tessera-test", modelVersion: "1" };
const model = "tessera-test@1";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let database: Database;
let sql: pg.Client;

const fill = (boardId: string, candidates: number, m = MODEL) =>
  fillBoard(sql, { boardId, userId: "u", candidates, dim: DIM, tags: TAGS, ...m });

beforeAll(async () => {
  db = await scratchDatabase("tessera_embedding_index");
  database = await openDatabase({
    databaseUrl: db.url,
    dataDir: mkdtempSync(join(tmpdir(), "tessera-ei-")),
    log: () => {},
  });
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  await sql.query(`INSERT INTO "User" ("id", "displayName") VALUES ('u', 'U')`);
  await sql.query(
    `INSERT INTO "Board" ("id", "name", "updatedAt") VALUES ('a', 'a', now()), ('b', 'b', now()), ('big', 'big', now())`,
  );
  await fill("a", 300);
  await fill("a", 40, { modelName: "tessera-other", modelVersion: "2" }); // another model's space
  await fill("b", 100);
}, 60_000);
afterAll(async () => {
  await sql?.end();
  await database?.close();
  await db?.drop();
});

/** What both searches answer, side by side. */
async function both(index: EmbeddingIndex, s: VectorSearch) {
  const [memory, inSql] = await Promise.all([
    searchBoardVectors(database.prisma, index, s),
    searchByVector(database.prisma, s),
  ]);
  return {
    memory: memory.map((r) => [r.id, r.score, r.prompt, r.cardId]),
    sql: inSql.map((r) => [r.id, r.score, r.prompt, r.cardId]),
  };
}

describe("search in memory", () => {
  it("answers exactly what the SQL search does: the same candidates, scores (float4 arithmetic) and order", async () => {
    const index = new EmbeddingIndex(database.prisma);
    const someId = (await sql.query(`SELECT "candidateId" FROM "CandidateEmbedding" WHERE "boardId" = 'a' LIMIT 1`))
      .rows[0].candidateId as string;
    for (let i = 0; i < 12; i++) {
      const s: VectorSearch = {
        boardId: "a",
        model,
        vector: Float32Array.from(randomUnit(DIM)),
        limit: [1, 5, 20, 50][i % 4]!,
        ...(i % 3 === 1 ? { boostTags: ["red", "rocket"] } : {}),
        ...(i % 3 === 2 ? { filterTags: ["blue"] } : {}),
        ...(i % 4 === 3 ? { excludeId: someId } : {}),
      };
      const r = await both(index, s);
      expect(r.memory).toEqual(r.sql);
      expect(r.memory.length).toBe(s.limit);
    }
    expect(index.heldFloats).toBeGreaterThanOrEqual(300 * DIM);
  });

  it("orders near-ties exactly as PostgreSQL's float4 arithmetic does, not as float64 would", async () => {
    // 60 copies of one direction, each nudged by a few units in the last place of one component: their scores
    // against that direction differ by ~1e-8, where float64 and float4 orders disagree.
    const base = Float32Array.from(randomUnit(DIM));
    const nudged = Array.from({ length: 60 }, (_, i) => {
      const v = Float32Array.from(base);
      const bits = new Int32Array(v.buffer);
      bits[(i * 7) % DIM]! += (i % 5) - 2;
      return `{${Array.from(v).join(",")}}`;
    });
    await sql.query(`INSERT INTO "Board" ("id", "name", "updatedAt") VALUES ('near', 'near', now())`);
    await fill("near", 60);
    await sql.query(
      `UPDATE "CandidateEmbedding" e SET "embedding" = n.e::real[]
       FROM (SELECT "candidateId", row_number() OVER (ORDER BY "candidateId") AS k FROM "CandidateEmbedding"
             WHERE "boardId" = 'near') r
       JOIN unnest($1::text[]) WITH ORDINALITY AS n(e, k) ON n.k = r.k
       WHERE e."candidateId" = r."candidateId"`,
      [nudged],
    );
    const index = new EmbeddingIndex(database.prisma);
    for (const limit of [3, 10, 25]) {
      const r = await both(index, { boardId: "near", model, vector: base, limit });
      expect(r.memory).toEqual(r.sql);
    }
  });

  it("is as fresh as the database at every search, with nothing telling it: new, rewritten and deleted rows", async () => {
    const index = new EmbeddingIndex(database.prisma);
    const q = Float32Array.from(randomUnit(DIM));
    const search = { boardId: "b", model, vector: q, limit: 50 };
    await both(index, search);

    // A new generation lands.
    await fill("b", 8);
    expect((await index.vectors("b", model, DIM))!.count).toBe(108);

    // A retried job rewrites one candidate's embedding: make it the query itself, so it must come first.
    const [victim, other] = (
      await sql.query(`SELECT "candidateId" FROM "CandidateEmbedding" WHERE "boardId" = 'b' ORDER BY "seq" LIMIT 2`)
    ).rows.map((r) => r.candidateId as string);
    await sql.query(
      `UPDATE "CandidateEmbedding" SET "embedding" = $1::real[], "seq" = nextval(pg_get_serial_sequence('"CandidateEmbedding"', 'seq'))
       WHERE "candidateId" = $2`,
      [`{${Array.from(q).join(",")}}`, victim],
    );
    let r = await both(index, search);
    expect(r.memory).toEqual(r.sql);
    expect(r.memory[0]![0]).toBe(victim);

    // A deleted row: the count says so.
    await sql.query(`DELETE FROM "CandidateEmbedding" WHERE "candidateId" = $1`, [victim]);
    r = await both(index, search);
    expect(r.memory).toEqual(r.sql);
    expect(r.memory.map((m) => m[0])).not.toContain(victim);

    // A deletion and, at once, a row that committed late with a number below those already read (a transaction
    // that took its number before another's and committed after it): the count agrees, the sum of seq does not.
    await fill("b", 1);
    const late = (
      await sql.query(
        `UPDATE "CandidateEmbedding" SET "seq" = 0, "embedding" = $1::real[]
         WHERE "candidateId" = (SELECT "candidateId" FROM "CandidateEmbedding" WHERE "boardId" = 'b' ORDER BY "seq" DESC LIMIT 1)
         RETURNING "candidateId"`,
        [`{${Array.from(q).join(",")}}`],
      )
    ).rows[0].candidateId as string;
    await sql.query(`DELETE FROM "CandidateEmbedding" WHERE "candidateId" = $1`, [other]);
    r = await both(index, search);
    expect(r.memory).toEqual(r.sql);
    expect(r.memory.map((m) => m[0])).not.toContain(other);
    expect(r.memory[0]![0]).toBe(late);
    expect((await index.vectors("b", model, DIM))!.count).toBe(107);

    // The whole board goes.
    await sql.query(`DELETE FROM "CandidateEmbedding" WHERE "boardId" = 'b'`);
    expect((await index.vectors("b", model, DIM))!.count).toBe(0);
  });

  it("searches a board too large to hold in SQL, and keeps what it holds within its bound", async () => {
    await fill("big", 400);
    const index = new EmbeddingIndex(database.prisma, 350 * DIM);
    expect(await index.vectors("big", model, DIM)).toBeNull();
    const r = await both(index, { boardId: "big", model, vector: Float32Array.from(randomUnit(DIM)), limit: 10 });
    expect(r.memory).toEqual(r.sql);

    await index.vectors("a", model, DIM); // 300 rows
    await index.vectors("b", model, DIM); // the least recently searched board goes to make room
    expect(index.heldFloats).toBeLessThanOrEqual(350 * DIM);
    expect((await index.vectors("a", model, DIM))!.count).toBe(300); // read again when searched again
  });
});
