/**
 * `npm run bench:matrix`: a prompt matrix of 16 cells (issue 17 item 4) against the same 16 prompts started as
 * 16 separate generations at once (the baseline), on the real in-process runner and shipped model, one image
 * per cell, same seed. Printed side by side: wall time from the start request to the last generation
 * finished, images per second, and the spread of start times (a matrix is one job: its cells start together).
 * Each phase runs ROUNDS times, alternating, after a warm-up. Asserts nothing.
 */
import pg from "pg";
import { Client, startTestApi } from "../test/api-harness.ts";
import { scratchDatabase } from "../test/db-helpers.ts";

const ROUNDS = Number(process.env.BENCH_MATRIX_ROUNDS ?? 3);
const TEMPLATE = "a {red|blue|green|yellow} {apple|banana|cat|rocket}";
const SEED = 1234;

function cells(): string[] {
  const colours = ["red", "blue", "green", "yellow"];
  const things = ["apple", "banana", "cat", "rocket"];
  return colours.flatMap((c) => things.map((t) => `a ${c} ${t}`));
}

const db = await scratchDatabase("tessera_bench_matrix");
const api = await startTestApi({ databaseUrl: db.url });
const pool = new pg.Pool({ connectionString: db.url, max: 2 });

async function waitIdle(): Promise<void> {
  for (;;) {
    const r = await pool.query(`SELECT count(*)::int AS n FROM "Generation" WHERE status IN ('QUEUED', 'RUNNING')`);
    if (r.rows[0].n === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function spread(ids: string[]): Promise<{ startSpreadMs: number; lastEndMs: number }> {
  const r = await pool.query<{ s: Date; f: Date; c: Date }>(
    `SELECT "startedAt" AS s, "finishedAt" AS f, "createdAt" AS c FROM "Generation" WHERE id = ANY($1)`,
    [ids],
  );
  const starts = r.rows.map((x) => x.s.getTime());
  return {
    startSpreadMs: Math.max(...starts) - Math.min(...starts),
    lastEndMs: Math.max(...r.rows.map((x) => x.f.getTime())) - Math.min(...r.rows.map((x) => x.c.getTime())),
  };
}

try {
  // Four people, so the 16 separate starts stay within each person's rate limit and waiting share.
  const team = [new Client(api.url), new Client(api.url), new Client(api.url), new Client(api.url)];
  const owner = team[0]!;
  await owner.ok(`mutation { setDisplayName(name: "Bench") { id } }`);
  const board = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "bench") { id } }`))
    .createBoard.id;
  const link = await owner.ok<{ createShareLink: { token: string } }>(
    `mutation($b: ID!) { createShareLink(boardId: $b, role: EDITOR) { token } }`,
    { b: board },
  );
  for (const c of team.slice(1)) {
    await c.ok(`mutation($t: String!) { joinBoard(token: $t) { role } }`, { t: link.createShareLink.token });
  }
  const params = { seed: SEED };
  const matrix = async () => {
    const t0 = performance.now();
    const r = await owner.ok<{ startPromptMatrix: { cells: { generation: { id: string } }[] } }>(
      `mutation($b: ID!, $p: String!, $params: GenerationParamsInput) {
        startPromptMatrix(boardId: $b, cardId: "m", prompt: $p, n: 1, params: $params) { cells { generation { id } } } }`,
      { b: board, p: TEMPLATE, params },
    );
    await waitIdle();
    return { ms: performance.now() - t0, ...(await spread(r.startPromptMatrix.cells.map((c) => c.generation.id))) };
  };
  const separate = async () => {
    const t0 = performance.now();
    const ids = await Promise.all(
      cells().map(async (p, i) => {
        const r = await team[i % team.length]!.ok<{ startGeneration: { id: string } }>(
          `mutation($b: ID!, $p: String!, $params: GenerationParamsInput) {
            startGeneration(boardId: $b, cardId: "s", prompt: $p, n: 1, params: $params) { id } }`,
          { b: board, p, params },
        );
        return r.startGeneration.id;
      }),
    );
    await waitIdle();
    return { ms: performance.now() - t0, ...(await spread(ids)) };
  };
  await matrix(); // warm-up: kernels, token patches
  const results: Record<"matrix" | "separate", { ms: number; startSpreadMs: number }[]> = { matrix: [], separate: [] };
  for (let i = 0; i < ROUNDS; i++) {
    results.matrix.push(await matrix());
    results.separate.push(await separate());
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`\nbench:matrix — 16 prompts × 1 image, seed ${SEED}, ${ROUNDS} rounds, in-process runner`);
  console.log("                      matrix (one job)   16 separate");
  const row = (label: string, f: (r: { ms: number; startSpreadMs: number }[]) => string) =>
    console.log(`${label.padEnd(22)}${f(results.matrix).padEnd(19)}${f(results.separate)}`);
  row("wall, median", (r) => `${(median(r.map((x) => x.ms)) / 1000).toFixed(2)} s`);
  row("images/s, median", (r) => `${(16 / (median(r.map((x) => x.ms)) / 1000)).toFixed(2)}`);
  row("start spread, median", (r) => `${median(r.map((x) => x.startSpreadMs)).toFixed(0)} ms`);
  const ratio = median(results.separate.map((x) => x.ms)) / median(results.matrix.map((x) => x.ms));
  console.log(`throughput ratio (matrix / separate): ${ratio.toFixed(2)}`);
} finally {
  await api.close();
  await pool.end();
  await db.drop();
}
