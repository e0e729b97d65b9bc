/**
 * `npm run bench:queue`: is the queue fair (issue 18 item 1)? The real in-process runner on the shipped
 * model; board A floods it (4 people start 8 generations of 4 each, 32 at once), and board B, a smaller
 * team, starts one generation of 4 every 2 s (6 in all) while the flood runs. Printed side by side for the
 * fair queue (round-robin across boards, then people) and first come first served (TESSERA_QUEUE_ORDER=fifo,
 * the baseline): how long each board's generations waited to start (createdAt → startedAt, from the
 * database), and how long everything took. The claim: with the fair queue board B's wait stays bounded
 * (about one of A's generations) however much A queued; with FIFO it grows with A's backlog.
 * Asserts nothing; BENCH_QUEUE_FLOOD sets generations per flooding person (default 8, at most 8).
 */
import pg from "pg";
import { Client, startTestApi } from "../test/api-harness.ts";
import { scratchDatabase } from "../test/db-helpers.ts";

const PER_PERSON = Math.min(8, Number(process.env.BENCH_QUEUE_FLOOD ?? 8));
const PEOPLE = 4;
const B_RUNS = 6;
const B_EVERY_MS = 2000;
const N = 4;

interface Phase {
  order: "fair" | "fifo";
  waitA: number[];
  waitB: number[];
  totalMs: number;
}

async function phase(order: "fair" | "fifo"): Promise<Phase> {
  const db = await scratchDatabase(`tessera_bench_queue_${order}`);
  const api = await startTestApi({ databaseUrl: db.url, vars: { TESSERA_QUEUE_ORDER: order } });
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  try {
    const owner = new Client(api.url);
    await owner.ok(`mutation { setDisplayName(name: "A0") { id } }`);
    const boardA = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "A") { id } }`))
      .createBoard.id;
    const link = await owner.ok<{ createShareLink: { token: string } }>(
      `mutation($b: ID!) { createShareLink(boardId: $b, role: EDITOR) { token } }`,
      { b: boardA },
    );
    const team: Client[] = [owner];
    for (let i = 1; i < PEOPLE; i++) {
      const c = new Client(api.url);
      await c.ok(`mutation($t: String!) { joinBoard(token: $t) { role } }`, { t: link.createShareLink.token });
      team.push(c);
    }
    const small = new Client(api.url);
    const boardB = (await small.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "B") { id } }`))
      .createBoard.id;
    const start = (c: Client, b: string, prompt: string) =>
      c.ok<{ startGeneration: { id: string } }>(
        `mutation($b: ID!, $p: String!, $n: Int!) { startGeneration(boardId: $b, cardId: "c", prompt: $p, n: $n) { id } }`,
        { b, p: prompt, n: N },
      );
    // Warm the model (first run compiles kernels, token patches are computed at start).
    const warm = await start(owner, boardA, "a red apple");
    await owner.collect(`subscription($id: ID!) { generationEvents(generationId: $id) { seq } }`, {
      id: warm.startGeneration.id,
    });
    const t0 = performance.now();
    const flood = Promise.all(
      team.flatMap((c, i) => Array.from({ length: PER_PERSON }, (_, k) => start(c, boardA, `flood ${i}.${k}`))),
    );
    const bIds: string[] = [];
    for (let k = 0; k < B_RUNS; k++) {
      await new Promise((r) => setTimeout(r, k === 0 ? 300 : B_EVERY_MS));
      bIds.push((await start(small, boardB, `a green tree ${k}`)).startGeneration.id);
    }
    await flood;
    // Wait for everything to end.
    for (;;) {
      const r = await pool.query(`SELECT count(*)::int AS n FROM "Generation" WHERE status IN ('QUEUED', 'RUNNING')`);
      if (r.rows[0].n === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const totalMs = performance.now() - t0;
    const rows = await pool.query(
      `SELECT "boardId", EXTRACT(EPOCH FROM ("startedAt" - "createdAt")) * 1000 AS wait
       FROM "Generation" WHERE prompt <> 'a red apple' AND "startedAt" IS NOT NULL`,
    );
    const waitA = rows.rows.filter((r) => r.boardId === boardA).map((r) => Number(r.wait));
    const waitB = rows.rows.filter((r) => r.boardId === boardB).map((r) => Number(r.wait));
    if (waitB.length !== B_RUNS) console.error(`board B: ${waitB.length} of ${B_RUNS} generations started`);
    return { order, waitA, waitB, totalMs };
  } finally {
    await pool.end();
    await api.close();
    await db.drop();
  }
}

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : Number.NaN;
};
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const results = [await phase("fair"), await phase("fifo")];
console.log(
  `\nbench:queue — board A: ${PEOPLE} people × ${PER_PERSON} generations of ${N} at once; board B: ${B_RUNS} of ${N}, one every ${B_EVERY_MS / 1000} s`,
);
console.log("wait to start (createdAt → startedAt)   fair queue        FIFO (baseline)");
const row = (label: string, f: (p: Phase) => string) =>
  console.log(`${label.padEnd(39)}${f(results[0]!).padEnd(18)}${f(results[1]!)}`);
row("board B (the small team), median", (p) => s(q(p.waitB, 0.5)));
row("board B, worst", (p) => s(Math.max(...p.waitB)));
row("board A (the flood), median", (p) => s(q(p.waitA, 0.5)));
row("board A, worst", (p) => s(Math.max(...p.waitA)));
row("everything done after", (p) => s(p.totalMs));
process.exit(0);
