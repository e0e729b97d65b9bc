/**
 * `npm run bench:search`: how fast is search by meaning (issue 17 item 1; target p95 ≤ 50 ms over 10,000
 * candidates)? In the real PostgreSQL (TESSERA_TEST_PG's server, else an embedded one), a board gets N
 * candidates with random L2-normalised embeddings of the bundle's clip.embedDim (192), random tags, token grids
 * and PNGs stored out of line like real ones (written as recordCandidates writes them, `test/search-fixtures.ts`),
 * beside another board of N/2 (so the board filter has something to skip). Then, per N, side by side:
 *   - `sql`: the search statement alone (`searchByVector`, the baseline, and what a board too large to hold in
 *     memory runs), random query vectors; `sql + tag`: the same with a tag boost (a text naming a tag);
 *   - `memory`: the same searches over the board held in memory (`EmbeddingIndex` + `searchVectorsInMemory`,
 *     what searchBoard runs), with the first read of the board timed apart; `memory + tag`; and with a
 *     generation of 8 landing before each search, which it first catches up with;
 *   - `graphql`: `searchBoard` over HTTP on the real server with the real runner, each text new (CLIP's text
 *     model reads it: nothing cached), as a browser would ask.
 * Prints p50 / p95 / p99 / max in ms. BENCH_SEARCH_SIZES (default 1000,10000,30000), BENCH_SEARCH_RUNS (200).
 * Asserts nothing.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { loadConfig } from "../src/config.ts";
import { openDatabase } from "../src/db/index.ts";
import { modelKey, searchBoardVectors, searchByVector } from "../src/search/board-search.ts";
import { EmbeddingIndex } from "../src/search/embedding-index.ts";
import { Client, startTestApi } from "../test/api-harness.ts";
import { scratchDatabase } from "../test/db-helpers.ts";
import { setup, teardown } from "../test/global-setup.ts";
import { fillBoard, randomUnit } from "../test/search-fixtures.ts";

const SIZES = (process.env.BENCH_SEARCH_SIZES ?? "1000,10000,30000").split(",").map(Number);
const RUNS = Number(process.env.BENCH_SEARCH_RUNS ?? 200);
const WARMUP = 20;
const N_PER_GENERATION = 8;
const TAGS = ["red", "blue", "green", "yellow", "cat", "rocket", "apple", "top left", "center", "bottom right"];

const modelDir = loadConfig({ ...process.env, LOG_LEVEL: "silent" }).TESSERA_MODEL_DIR;
const manifest = JSON.parse(readFileSync(join(modelDir, "manifest.json"), "utf8")) as {
  name: string;
  version: string;
  clip: { embedDim: number };
};
const DIM = manifest.clip.embedDim;
const MODEL = modelKey(manifest);

const randomQuery = () => randomUnit(DIM);
const fill = (sql: pg.Client, boardId: string, userId: string, candidates: number) =>
  fillBoard(sql, {
    boardId,
    userId,
    candidates,
    modelName: manifest.name,
    modelVersion: manifest.version,
    dim: DIM,
    tags: TAGS,
    perGeneration: N_PER_GENERATION,
  });

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const p = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(1);
  return `p50 ${p(0.5)}  p95 ${p(0.95)}  p99 ${p(0.99)}  max ${s.at(-1)!.toFixed(1)} ms`;
}

async function time(runs: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await fn(-1 - i);
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

await setup();
const words = (JSON.parse(readFileSync(join(modelDir, "vocabulary.json"), "utf8")) as { words: string[] }).words;
const colours = ["red", "blue", "green", "yellow", "pink", "purple", "orange", "brown", "black", "white", "gray"];
console.log(`bench:search — ${manifest.name} ${manifest.version}, embeddings of ${DIM} floats, ${RUNS} searches each`);
for (const size of SIZES) {
  const db = await scratchDatabase("tessera_bench_search");
  const database = await openDatabase({
    databaseUrl: db.url,
    dataDir: mkdtempSync(join(tmpdir(), "tessera-bs-")),
    log: () => {},
  });
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  try {
    await sql.query(`INSERT INTO "User" ("id", "displayName") VALUES ('bench', 'Bench')`);
    await sql.query(
      `INSERT INTO "Board" ("id", "name", "updatedAt") VALUES ('board', 'searched', now()), ('other', 'other', now())`,
    );
    await sql.query(`INSERT INTO "BoardMember" ("boardId", "userId", "role") VALUES ('board', 'bench', 'OWNER')`);
    const t0 = performance.now();
    await fill(sql, "board", "bench", size);
    await fill(sql, "other", "bench", Math.floor(size / 2));
    await sql.query(`VACUUM ANALYZE "Candidate"`);
    await sql.query(`VACUUM ANALYZE "CandidateEmbedding"`);
    await sql.query(`VACUUM ANALYZE "Generation"`);
    const fillS = ((performance.now() - t0) / 1000).toFixed(1);
    const model = MODEL;
    const queries = Array.from({ length: RUNS + WARMUP }, randomQuery);
    const q = (i: number) => queries[(i + queries.length) % queries.length]!;
    const plain = await time(RUNS, (i) =>
      searchByVector(database.prisma, { boardId: "board", model, vector: q(i), limit: 20 }),
    );
    const tagged = await time(RUNS, (i) =>
      searchByVector(database.prisma, { boardId: "board", model, vector: q(i), limit: 20, boostTags: ["red"] }),
    );
    // The same searches over the board held in memory (what searchBoard does): the first reads the board
    // whole; each later one asks PostgreSQL only for the count and what is new, then scores in JavaScript.
    const index = new EmbeddingIndex(database.prisma);
    const loadStart = performance.now();
    await index.vectors("board", model, DIM);
    const loadMs = performance.now() - loadStart;
    const memory = await time(RUNS, (i) =>
      searchBoardVectors(database.prisma, index, { boardId: "board", model, vector: q(i), limit: 20 }),
    );
    const memoryTagged = await time(RUNS, (i) =>
      searchBoardVectors(database.prisma, index, {
        boardId: "board",
        model,
        vector: q(i),
        limit: 20,
        boostTags: ["red"],
      }),
    );
    // A generation of 8 lands between every two searches: each search first catches up with it.
    const catchingUp: number[] = [];
    for (let i = 0; i < Math.min(RUNS, 50); i++) {
      await fill(sql, "board", "bench", N_PER_GENERATION);
      const t0 = performance.now();
      await searchBoardVectors(database.prisma, index, { boardId: "board", model, vector: q(i), limit: 20 });
      catchingUp.push(performance.now() - t0);
    }
    console.log(`\n${size} candidates on the board (+${Math.floor(size / 2)} on another), filled in ${fillS} s`);
    console.log(`  sql          ${stats(plain)}`);
    console.log(`  sql + tag    ${stats(tagged)}`);
    console.log(`  memory       ${stats(memory)}   (first read of the board: ${loadMs.toFixed(0)} ms)`);
    console.log(`  memory + tag ${stats(memoryTagged)}`);
    console.log(`  memory, 8 new candidates before each: ${stats(catchingUp)}`);
    if (size === SIZES.find((s) => s >= 10_000) || SIZES.length === 1) {
      const api = await startTestApi({ databaseUrl: db.url });
      try {
        const me = new Client(api.url);
        // The bench's owner: sign in as it by joining through a share link made in SQL.
        await me.ok(`mutation { setDisplayName(name: "Bench") { id } }`);
        const meId = (await me.ok<{ me: { id: string } }>(`{ me { id } }`)).me.id;
        await sql.query(`INSERT INTO "BoardMember" ("boardId", "userId", "role") VALUES ('board', $1, 'VIEWER')`, [
          meId,
        ]);
        // The runner's start-up work (token patches, the tag words' embeddings) done first: it shares the
        // model's thread with the text model, and a search right after a start waits for its slices.
        await me.ok(`{ model { tokenPatches } }`);
        await new Promise((r) => setTimeout(r, 3000));
        // Each search text new: two vocabulary words and a colour, never repeated (no cache hit).
        const texts = Array.from(
          { length: RUNS + WARMUP },
          (_, i) =>
            `${colours[i % colours.length]} ${words[(i * 7) % words.length]} ${words[(i * 13 + 5) % words.length]} ${i}`,
        );
        const gql = await time(RUNS, (i) =>
          me.ok(
            `query($t: String!) { searchBoard(boardId: "board", text: $t, limit: 20) { candidate { id } score } }`,
            {
              t: texts[(i + texts.length) % texts.length]!,
            },
          ),
        );
        console.log(`  graphql      ${stats(gql)}   (searchBoard over HTTP: CLIP text model + the search in memory)`);
      } finally {
        await api.close();
      }
    }
  } finally {
    await sql.end();
    await database.close();
    await db.drop();
  }
}
await teardown();
