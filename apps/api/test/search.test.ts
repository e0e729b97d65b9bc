/**
 * Search the board by meaning and zero-shot tags (issue 17 items 1 and 5), through the real server, PostgreSQL
 * and runner on the shipped model: candidates are stored with their CLIP image embedding and tags; a search
 * finds the images CLIP matches with the text first (English and Chinese); "more like this" puts a sibling of
 * the same prompt above an unrelated image; tags filter and boost; strangers get NOT_FOUND, bad arguments
 * BAD_USER_INPUT. Assertions are on the model's real images: "a red apple" and "a blue car" differ clearly in
 * colour, which this model draws faithfully (it is weak at shapes).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LIMITS } from "@tessera/shared";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { recordCandidates } from "../src/generation/record-event.ts";
import { TAG_BOOST } from "../src/search/board-search.ts";
import { Client, startTestApi } from "./api-harness.ts";
import { scratchDatabase } from "./db-helpers.ts";

const MODEL_DIR = loadConfig({ ...process.env, LOG_LEVEL: "silent" }).TESSERA_MODEL_DIR;
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let api: Awaited<ReturnType<typeof startTestApi>>;
let sql: pg.Client;
let owner: Client;
let boardId: string;
const gens: Record<"apple" | "car", string> = { apple: "", car: "" };

interface Match {
  candidate: { id: string; imageUrl: string; tags: string[] };
  generationId: string;
  cardId: string;
  prompt: string;
  score: number | null;
  matchedTags: string[];
}
const MATCH = `candidate { id imageUrl tags } generationId cardId prompt score matchedTags`;
const SEARCH = `query($b: ID!, $t: String, $tags: [String!], $l: Int) {
  searchBoard(boardId: $b, text: $t, tags: $tags, limit: $l) { ${MATCH} }
}`;
const SIMILAR = `query($c: ID!, $l: Int) { similarCandidates(candidateId: $c, limit: $l) { ${MATCH} } }`;

async function generate(c: Client, cardId: string, prompt: string): Promise<string> {
  const g = await c.ok<{ startGeneration: { id: string } }>(
    `mutation($b: ID!, $c: ID!, $p: String!) { startGeneration(boardId: $b, cardId: $c, prompt: $p, n: 4, params: { seed: 7 }) { id } }`,
    { b: boardId, c: cardId, p: prompt },
  );
  const events = await c.collect<{ generationEvents: { kind: string } }>(
    `subscription($id: ID!) { generationEvents(generationId: $id) { kind } }`,
    { id: g.startGeneration.id },
  );
  expect(events.at(-1)!.generationEvents.kind).toBe("FINISHED");
  return g.startGeneration.id;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let d = 0; d < a.length; d++) s += a[d]! * b[d]!;
  return s;
};

interface Stored {
  embedding: number[] | null;
  tags: string[] | null;
  generationId: string;
  /** CandidateEmbedding's copies. */
  searchTags: string[] | null;
  boardId: string | null;
  model: string | null;
}

async function stored(): Promise<Map<string, Stored>> {
  const r = await sql.query(
    `SELECT c."id", e."embedding", c."tags", c."generationId", e."tags" AS "searchTags", e."boardId", e."model"
     FROM "Candidate" c LEFT JOIN "CandidateEmbedding" e ON e."candidateId" = c."id"`,
  );
  return new Map(r.rows.map((row) => [row.id, row]));
}

beforeAll(async () => {
  db = await scratchDatabase();
  api = await startTestApi({ databaseUrl: db.url });
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  owner = new Client(api.url);
  boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "search") { id } }`))
    .createBoard.id;
  gens.apple = await generate(owner, "card-apple", "a red apple");
  gens.car = await generate(owner, "card-car", "a blue car");
}, 120_000);
afterAll(async () => {
  await sql?.end();
  await api?.close();
  await db?.drop();
});

describe("stored with every candidate", () => {
  it("keeps each candidate's L2-normalised CLIP embedding and its tags", async () => {
    const rows = [...(await stored()).values()];
    expect(rows).toHaveLength(8);
    const dim = JSON.parse(readFileSync(join(MODEL_DIR, "manifest.json"), "utf8")).clip.embedDim;
    expect(dim).toBeGreaterThan(0);
    const model = api.services.engine!.model();
    for (const r of rows) {
      expect(r.embedding).toHaveLength(dim);
      expect(Math.sqrt(dot(r.embedding!, r.embedding!))).toBeCloseTo(1, 4);
      expect(r.tags!.length).toBeGreaterThan(0);
      // The search's copy of the board, the model and the tags.
      expect(r).toMatchObject({ boardId, model: `${model.name}@${model.version}`, searchTags: r.tags });
    }
    const g = await owner.ok<{ generation: { candidates: { id: string; tags: string[] }[] } }>(
      `query($g: ID!) { generation(id: $g) { candidates { id tags } } }`,
      { g: gens.car },
    );
    const db = await stored();
    for (const c of g.generation.candidates) expect(c.tags).toEqual(db.get(c.id)!.tags);
    expect(g.generation.candidates.filter((c) => c.tags.includes("blue")).length).toBeGreaterThanOrEqual(3);
  });
});

describe("recordCandidates", () => {
  it("replaces a retried candidate's embedding and tags, and drops them when the retry has none", async () => {
    await sql.query(
      `INSERT INTO "Generation" ("id", "boardId", "cardId", "prompt", "n", "seed", "params", "modelName", "modelVersion",
         "unknownWords", "status", "createdById")
       SELECT 'retried', $1, 'card-x', 'p', 1, 1, '{}', 'm', '1', '{}', 'RUNNING', "createdById" FROM "Generation" LIMIT 1`,
      [boardId],
    );
    const png = new Uint8Array([1, 2, 3]);
    const finished = (embedding?: Float32Array, tags?: string[]) => ({
      type: "candidateFinished" as const,
      candidate: 0,
      tokens: [1, 2],
      png,
      ...(embedding ? { embedding } : {}),
      ...(tags ? { tags } : {}),
    });
    const row = async () =>
      (
        await sql.query(
          `SELECT c."id", c."tags", e."embedding", e."tags" AS "searchTags", e."model" FROM "Candidate" c
           LEFT JOIN "CandidateEmbedding" e ON e."candidateId" = c."id" WHERE c."generationId" = 'retried'`,
        )
      ).rows;
    const prisma = api.services.prisma;
    const [first] = await recordCandidates(prisma, "retried", [finished(Float32Array.from([0.6, 0.8]), ["red"])]);
    expect(await row()).toEqual([
      { id: first, tags: ["red"], embedding: [0.6, 0.8], searchTags: ["red"], model: "m@1" },
    ]);
    const [again] = await recordCandidates(prisma, "retried", [finished(Float32Array.from([0.8, 0.6]), ["blue"])]);
    expect(again).toBe(first);
    expect(await row()).toEqual([
      { id: first, tags: ["blue"], embedding: [0.8, 0.6], searchTags: ["blue"], model: "m@1" },
    ]);
    await recordCandidates(prisma, "retried", [finished()]);
    expect(await row()).toEqual([{ id: first, tags: [], embedding: null, searchTags: null, model: null }]);
    await sql.query(`DELETE FROM "Generation" WHERE "id" = 'retried'`);
  });
});

describe("searchBoard", () => {
  it("finds the images CLIP matches with the text first, in English and Chinese", async () => {
    for (const [text, want] of [
      ["something blue", gens.car],
      ["蓝色", gens.car],
      ["something red", gens.apple],
      ["红色", gens.apple],
    ] as const) {
      const r = await owner.ok<{ searchBoard: Match[] }>(SEARCH, { b: boardId, t: text, l: 8 });
      const matches = r.searchBoard;
      expect(matches, text).toHaveLength(8);
      // Best first, and the four images of the matching prompt before the other four.
      expect(
        matches.slice(0, 4).map((m) => m.generationId),
        text,
      ).toEqual([want, want, want, want]);
      const scores = matches.map((m) => m.score!);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      expect(matches[0]!.cardId).toBe(want === gens.car ? "card-car" : "card-apple");
      expect(matches[0]!.prompt).toBe(want === gens.car ? "a blue car" : "a red apple");
      expect(matches[0]!.candidate.imageUrl).toBe(`/images/${matches[0]!.candidate.id}.png`);
    }
  });

  it("scores by the dot product of the stored image embedding and the text's, plus the boost for a named tag", async () => {
    const text = "blue";
    const { embedding, tags } = await api.services.engine!.embedText(text);
    expect(tags).toEqual(["blue"]);
    const r = await owner.ok<{ searchBoard: Match[] }>(SEARCH, { b: boardId, t: text, l: 8 });
    const db = await stored();
    let boosted = 0;
    for (const m of r.searchBoard) {
      const row = db.get(m.candidate.id)!;
      const named = row.tags!.includes("blue");
      expect(m.matchedTags).toEqual(named ? ["blue"] : []);
      expect(m.score!).toBeCloseTo(dot(row.embedding!, embedding) + (named ? TAG_BOOST : 0), 4);
      if (named) boosted++;
    }
    expect(boosted).toBeGreaterThan(0);
  });

  it("filters by tags, with or without text, and lists the board's tags", async () => {
    const db = await stored();
    const blue = [...db.entries()].filter(([, r]) => r.tags!.includes("blue")).map(([id]) => id);
    expect(blue.length).toBeGreaterThan(0);
    const byTag = await owner.ok<{ searchBoard: Match[] }>(SEARCH, { b: boardId, tags: ["Blue"], l: 50 });
    expect(byTag.searchBoard.map((m) => m.candidate.id).sort()).toEqual([...blue].sort());
    expect(byTag.searchBoard.every((m) => m.score === null && m.matchedTags.includes("blue"))).toBe(true);
    const both = await owner.ok<{ searchBoard: Match[] }>(SEARCH, { b: boardId, t: "red", tags: ["blue"], l: 50 });
    expect(both.searchBoard.map((m) => m.candidate.id).sort()).toEqual([...blue].sort());
    const none = await owner.ok<{ searchBoard: Match[] }>(SEARCH, { b: boardId, tags: ["no such tag"] });
    expect(none.searchBoard).toEqual([]);

    const t = await owner.ok<{ boardTags: { tag: string; count: number }[] }>(
      `query($b: ID!) { boardTags(boardId: $b) { tag count } }`,
      { b: boardId },
    );
    const counts = new Map<string, number>();
    for (const r of db.values()) for (const tag of r.tags!) counts.set(tag, (counts.get(tag) ?? 0) + 1);
    expect(t.boardTags.find((x) => x.tag === "blue")?.count).toBe(counts.get("blue"));
    expect(t.boardTags.map((x) => x.count)).toEqual([...t.boardTags.map((x) => x.count)].sort((a, b) => b - a));
    expect(t.boardTags.length).toBe(Math.min(30, counts.size));
  });

  it("leaves out candidates made before search (no embedding) and other models' candidates", async () => {
    const [apple] = [...(await stored()).entries()].filter(([, r]) => r.generationId === gens.apple);
    const cars = [...(await stored()).entries()].filter(([, r]) => r.generationId === gens.car).map(([id]) => id);
    await sql.query(`DELETE FROM "CandidateEmbedding" WHERE "candidateId" = $1`, [apple![0]]);
    await sql.query(`UPDATE "CandidateEmbedding" SET "model" = 'tessera-sticker@0.0.1' WHERE "candidateId" = ANY($1)`, [
      cars,
    ]);
    try {
      const r = await owner.ok<{ searchBoard: Match[] }>(SEARCH, { b: boardId, t: "red", l: 50 });
      expect(r.searchBoard.map((m) => m.candidate.id)).not.toContain(apple![0]);
      expect(r.searchBoard).toHaveLength(3);
      const similar = await owner.ok<{ similarCandidates: Match[] }>(SIMILAR, { c: apple![0] });
      expect(similar.similarCandidates).toEqual([]);
      // "More like this" from an older model's candidate compares with that model's only.
      const old = await owner.ok<{ similarCandidates: Match[] }>(SIMILAR, { c: cars[0] });
      expect(old.similarCandidates.map((m) => m.generationId)).toEqual([gens.car, gens.car, gens.car]);
    } finally {
      await sql.query(
        `INSERT INTO "CandidateEmbedding" ("candidateId", "boardId", "model", "embedding", "tags")
         VALUES ($1, $2, $3, $4, $5)`,
        [apple![0], apple![1].boardId, apple![1].model, apple![1].embedding, apple![1].searchTags],
      );
      await sql.query(`UPDATE "CandidateEmbedding" SET "model" = $2 WHERE "candidateId" = ANY($1)`, [
        cars,
        apple![1].model,
      ]);
    }
  });
});

describe("similarCandidates", () => {
  it("puts a sibling of the same prompt above an unrelated image, itself left out, scored by the dot product", async () => {
    const db = await stored();
    for (const [id, row] of db) {
      const r = await owner.ok<{ similarCandidates: Match[] }>(SIMILAR, { c: id, l: 7 });
      const matches = r.similarCandidates;
      expect(matches).toHaveLength(7);
      expect(matches.map((m) => m.candidate.id)).not.toContain(id);
      expect(matches[0]!.generationId).toBe(row.generationId);
      for (const m of matches) expect(m.score!).toBeCloseTo(dot(row.embedding!, db.get(m.candidate.id)!.embedding!), 4);
      const shared = matches[0]!.candidate.tags.filter((t) => row.tags!.includes(t));
      expect(matches[0]!.matchedTags).toEqual(shared);
    }
  });
});

describe("boundaries", () => {
  it("answers strangers NOT_FOUND, as for a board that does not exist", async () => {
    const stranger = new Client(api.url);
    await stranger.ok(`mutation { createBoard(name: "mine") { id } }`);
    const [someCandidate] = [...(await stored()).keys()];
    for (const r of [
      await stranger.gql(SEARCH, { b: boardId, t: "blue" }),
      await stranger.gql(SEARCH, { b: boardId, tags: ["blue"] }),
      await stranger.gql(SEARCH, { b: "no-such-board", t: "blue" }),
      await stranger.gql(SIMILAR, { c: someCandidate }),
      await stranger.gql(SIMILAR, { c: "no-such-candidate" }),
      await stranger.gql(`query($b: ID!) { boardTags(boardId: $b) { tag } }`, { b: boardId }),
    ]) {
      expect(stranger.code(r)).toBe("NOT_FOUND");
      expect(r.data).toBeNull();
    }
  });

  it("refuses bad arguments with BAD_USER_INPUT and a readable message", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ b: boardId, t: "x".repeat(LIMITS.searchQueryMaxChars + 1) }, /limited to 100 characters/],
      [{ b: boardId, t: "   " }, /Type something to search for/],
      [{ b: boardId }, /Type something to search for/],
      [{ b: boardId, t: "blue", l: 0 }, /at least 1/],
      [{ b: boardId, t: "blue", l: LIMITS.searchResultsMax + 1 }, /at most 50/],
      [{ b: boardId, tags: ["a", "b", "c", "d", "e", "f"] }, /at most 5 tags/],
      [{ b: boardId, tags: [""] }, /can't be empty/],
      [{ b: boardId, t: "blue \ud800" }, /broken character/],
      [{ b: "x".repeat(65), t: "blue" }, /./],
    ];
    for (const [vars, message] of cases) {
      const r = await owner.gql(SEARCH, vars);
      expect(owner.code(r), JSON.stringify(vars).slice(0, 80)).toBe("BAD_USER_INPUT");
      expect(r.errors![0]!.message).toMatch(message);
    }
    const similar = await owner.gql(SIMILAR, { c: [...(await stored()).keys()][0], l: 51 });
    expect(owner.code(similar)).toBe("BAD_USER_INPUT");
    const tags = await owner.gql(`query($b: ID!) { boardTags(boardId: $b, limit: 0) { tag } }`, { b: boardId });
    expect(owner.code(tags)).toBe("BAD_USER_INPUT");
  });
});
