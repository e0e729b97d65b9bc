/**
 * `npm run bench:load`: one board under a team's worth of load for BENCH_SECONDS (default 120) on this machine —
 * 30 editors (real Hocuspocus providers: typing ~200 characters a minute each into their own card, moving it,
 * moving their cursor 10 times a second) and 200 watchers subscribed over graphql-ws to the generations
 * started back to back on the board (real runner, real PostgreSQL). Editors and watchers run in two child
 * processes, as browsers would; the server is this process.
 *
 * Prints: Yjs update fan-out (keystroke → every other editor) p50/p95/p99, presence messages a second per
 * editor, token-event receipt p99 (engine emission → each watcher), errors, the server's peak RSS, and whether
 * every editor's final document equals the stored one (lost updates). Targets (issue 19): fan-out p95 ≤ 100 ms,
 * token p99 ≤ 100 ms, 0 errors, 0 lost updates. Asserts nothing.
 */
import { fork } from "node:child_process";
import { performance } from "node:perf_hooks";
import { eventEmittedAt } from "@tessera/gpu-runner";
import { DEFAULT_BUNDLE_NAME, LIMITS, type RunnerEvent } from "@tessera/shared";
import * as Y from "yjs";
import { prismaBoardStore } from "../src/collab/index.ts";
import { createInProcessEngine, type GenerationEngine } from "../src/generation/engine.ts";
import { Client, startTestApi } from "../test/api-harness.ts";
import { scratchDatabase } from "../test/db-helpers.ts";
import type { EditorReport } from "./editor-swarm.ts";
import { runnerEventKey } from "./event-keys.ts";
import type { SwarmReport } from "./subscriber-swarm.ts";

const EDITORS = Number(process.env.BENCH_EDITORS ?? 30);
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 120);
const N = Number(process.env.BENCH_CANDIDATES ?? 4);
const now = () => performance.timeOrigin + performance.now();
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
const f = (x: number) => x.toFixed(1);

const db = process.env.DATABASE_URL
  ? { url: process.env.DATABASE_URL, drop: async () => {} }
  : await scratchDatabase("tessera_load").catch(() => null);
const emitted = new Map<string, number>();
const real = await createInProcessEngine({
  modelDir: process.env.TESSERA_MODEL_DIR ?? `models/${DEFAULT_BUNDLE_NAME}`,
  executionProviders: ["cpu"],
  // The runner's intra-op threads (default: the runner's own choice); the editors and watchers share the cores.
  ...(process.env.BENCH_RUNNER_THREADS ? { threads: Number(process.env.BENCH_RUNNER_THREADS) } : {}),
});
const engine: GenerationEngine = {
  ...real,
  async *generate(request, opts) {
    emitted.clear();
    for await (const e of real.generate(request, opts) as AsyncIterable<RunnerEvent>) {
      emitted.set(runnerEventKey(e), eventEmittedAt(e) ?? now());
      yield e;
    }
  },
};
const api = await startTestApi(db ? { databaseUrl: db.url } : {}, { engine });
const owner = new Client(api.url);
const boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "load") { id } }`))
  .createBoard.id;
const link = await owner.ok<{ createShareLink: { token: string } }>(
  `mutation($b: ID!) { createShareLink(boardId: $b, role: EDITOR) { token } }`,
  { b: boardId },
);
const members: Client[] = [];
for (let i = 0; i < EDITORS; i++) {
  const c = new Client(api.url);
  await c.ok(`mutation($n: String!) { setDisplayName(name: $n) { id } }`, { n: `Editor ${i + 1}` });
  await c.ok(`mutation($t: String!) { joinBoard(token: $t) { role } }`, { t: link.createShareLink.token });
  members.push(c);
}

let peakRss = 0;
const rssTimer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 500);

const child = (file: string, args: string[]) => {
  const p = fork(new URL(file, import.meta.url), args, { execArgv: ["--import", "tsx"] });
  const next = <T>(type: string) =>
    new Promise<T>((resolve) => {
      const on = (m: { type: string }) => {
        if (m.type !== type) return;
        p.off("message", on);
        resolve(m as T);
      };
      p.on("message", on);
    });
  return { p, next };
};

const watchers = child("./subscriber-swarm.ts", [api.url, owner.cookie!, String(WATCHERS)]);
await watchers.next("connected");
const editors = child("./editor-swarm.ts", [
  api.url,
  boardId,
  JSON.stringify(members.map((m) => m.cookie)),
  String(SECONDS),
]);
await editors.next("ready");
const editorsDone = editors.next<EditorReport>("done");
console.log(
  `bench:load — ${EDITORS} editors and ${WATCHERS} watchers on one board for ${SECONDS} s (${N} candidates a generation)`,
);

const tokenLatency: number[] = [];
const errors: string[] = [];
let generations = 0;
const until = performance.now() + SECONDS * 1000;
for (let turn = 0; performance.now() < until; turn++) {
  // Starts rotate over the members: each may start LIMITS.generationsPerMinute.
  const starter = members[turn % members.length]!;
  const r = await starter.gql<{ startGeneration: { id: string } }>(
    `mutation($b: ID!, $c: ID!, $n: Int!) { startGeneration(boardId: $b, cardId: $c, prompt: "a cat in the top left corner", n: $n) { id } }`,
    { b: boardId, c: `editor-${turn % EDITORS}`, n: N },
  );
  if (!r.data) {
    errors.push(`startGeneration: ${JSON.stringify(r.errors)}`);
    await new Promise((ok) => setTimeout(ok, 1000)); // a refused start is not retried in a tight loop
    continue;
  }
  const done = watchers.next<SwarmReport>("done");
  watchers.p.send({ type: "subscribe", generationId: r.data.startGeneration.id });
  const report = await done;
  generations++;
  for (const receipts of report.receipts) {
    if (receipts.at(-1)?.kind !== "FINISHED") errors.push(`a watcher's stream ended with ${receipts.at(-1)?.kind}`);
    for (const e of receipts) {
      if (e.kind !== "TOKENS") continue;
      const sent = Math.min(...e.keys.map((k) => emitted.get(k) ?? Number.NaN));
      if (Number.isFinite(sent)) tokenLatency.push(e.at - sent);
    }
  }
}
if (LIMITS.generationsPerMinute * members.length < generations)
  errors.push("more generations than the rate limit allows?");

const ed = await editorsDone;
clearInterval(rssTimer);
const stored = new Y.Doc();
for (const u of (await prismaBoardStore(api.services.prisma).load(boardId)).updates) Y.applyUpdate(stored, u);
const storedVector = Buffer.from(Y.encodeStateVector(stored)).toString("base64");
const lost = ed.stateVectors.filter((v) => v !== storedVector).length;

const fan = ed.fanoutMs.sort((a, b) => a - b);
const tok = tokenLatency.sort((a, b) => a - b);
const aw = ed.awarenessPerClientPerSecond.sort((a, b) => a - b);
console.log(
  `Yjs fan-out (keystroke → each other editor), ${fan.length} deliveries of ${ed.edits} edits: p50 ${f(pct(fan, 50))} ms, p95 ${f(pct(fan, 95))} ms, p99 ${f(pct(fan, 99))} ms (target p95 ≤ 100)`,
);
console.log(
  `presence received per editor: median ${f(pct(aw, 50))}/s, max ${f(aw.at(-1) ?? 0)}/s (${EDITORS - 1} others moving their cursor 10/s, each sending ≤ 20/s)`,
);
console.log(
  `token events, ${tok.length} deliveries over ${generations} generations: p50 ${f(pct(tok, 50))} ms, p99 ${f(pct(tok, 99))} ms (target ≤ 100)`,
);
console.log(
  `errors: ${errors.length + ed.errors.length}${[...errors, ...ed.errors]
    .slice(0, 5)
    .map((e) => `\n  ${e}`)
    .join("")}`,
);
console.log(`server peak RSS (API + runner + model, this process): ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
console.log(
  `lost updates: ${lost} of ${ed.stateVectors.length} editors differ from the stored board; editors converged: ${ed.converged}`,
);

watchers.p.send({ type: "exit" });
editors.p.send({ type: "exit" });
await api.close();
await db?.drop();
process.exit(0);
