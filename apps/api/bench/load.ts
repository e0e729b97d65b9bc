/**
 * `npm run bench:load`: one board under a team's worth of load for BENCH_SECONDS (default 120) on this machine —
 * 30 editors (real Hocuspocus providers: typing ~200 characters a minute each into their own card, moving it,
 * moving their cursor 10 times a second) and 200 watchers subscribed over graphql-ws to the generations
 * started back to back on the board (real runner, real PostgreSQL). Editors and watchers run in two child
 * processes, as browsers would; the server is this process. Each generation's engine starts once its watchers
 * are subscribed (as in bench:api), so no token reaches them as a replay of the log; BENCH_LATE (20) more people
 * subscribe one second into each generation, as someone opening the board mid-generation does, and their wait
 * for the log's replay is printed apart.
 *
 * Prints: Yjs update fan-out (keystroke → every other editor) p50/p95/p99, presence messages a second per
 * editor, token-event receipt p99 (engine emission → each watcher) with the server's part of it and the API's
 * event-loop delay, errors, the server's peak RSS, and whether every editor's final document equals the stored
 * one (lost updates). Targets (issue 19): fan-out p95 ≤ 100 ms,
 * token p99 ≤ 100 ms, 0 errors, 0 lost updates. Asserts nothing.
 */
import { fork } from "node:child_process";
import { subscribe } from "node:diagnostics_channel";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { DEFAULT_BUNDLE_NAME, LIMITS } from "@tessera/shared";
import * as Y from "yjs";
import { prismaBoardStore } from "../src/collab/index.ts";
import { createInProcessEngine } from "../src/generation/engine.ts";
import { FRAME_SENT_CHANNEL } from "../src/graphql/shared-frames.ts";
import { Client, startTestApi } from "../test/api-harness.ts";
import { scratchDatabase } from "../test/db-helpers.ts";
import type { EditorReport } from "./editor-swarm.ts";
import { type KeyedEvent, keysOf } from "./event-keys.ts";
import type { LateReport, SwarmReport } from "./subscriber-swarm.ts";
import { timedEngine } from "./timed-engine.ts";

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
const waited: number[] = []; // engine emission → the API's thread takes the event
let gate = Promise.resolve();
const real = await createInProcessEngine({
  modelDir: process.env.TESSERA_MODEL_DIR ?? `models/${DEFAULT_BUNDLE_NAME}`,
  executionProviders: ["cpu"],
  // The runner's intra-op threads (default: the runner's own choice); the editors and watchers share the cores.
  ...(process.env.BENCH_RUNNER_THREADS ? { threads: Number(process.env.BENCH_RUNNER_THREADS) } : {}),
});
const engine = timedEngine(real, emitted, waited, () => gate);
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

/** People who open the board while a generation renders: they subscribe to it a second after it starts. */
const LATE = Number(process.env.BENCH_LATE ?? 20);
const watchers = child("./subscriber-swarm.ts", [api.url, owner.cookie!, String(WATCHERS), String(LATE)]);
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

/**
 * The server's own part of each token delivery: runner event → its frame written to a watcher's socket
 * (shared-frames' diagnostics channel). The rest of a receipt is loopback and the watchers' process.
 */
const written: number[] = [];
subscribe(FRAME_SENT_CHANNEL, (m) => {
  const at = now();
  const e = (m as { data: { generationEvents?: KeyedEvent } }).data.generationEvents;
  if (e?.kind !== "TOKENS") return;
  const sent = Math.min(...keysOf(e).map((k) => emitted.get(k) ?? Number.NaN));
  if (Number.isFinite(sent)) written.push(at - sent);
});
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

const tokenLatency: number[] = [];
const lateWait: number[] = [];
const errors: string[] = [];
let generations = 0;
const until = performance.now() + SECONDS * 1000;
for (let turn = 0; performance.now() < until; turn++) {
  // Starts rotate over the members: each may start LIMITS.generationsPerMinute.
  const starter = members[turn % members.length]!;
  let openGate!: () => void;
  gate = new Promise<void>((open) => {
    openGate = open;
  });
  const r = await starter.gql<{ startGeneration: { id: string } }>(
    `mutation($b: ID!, $c: ID!, $n: Int!) { startGeneration(boardId: $b, cardId: $c, prompt: "a cat in the top left corner", n: $n) { id } }`,
    { b: boardId, c: `editor-${turn % EDITORS}`, n: N },
  );
  if (!r.data) {
    errors.push(`startGeneration: ${JSON.stringify(r.errors)}`);
    openGate();
    await new Promise((ok) => setTimeout(ok, 1000)); // a refused start is not retried in a tight loop
    continue;
  }
  const subscribed = watchers.next("subscribed");
  const done = watchers.next<SwarmReport>("done");
  watchers.p.send({ type: "subscribe", generationId: r.data.startGeneration.id });
  // The engine starts once the watchers are subscribed (as in bench:api): an event emitted before a
  // watcher's subscription is registered reaches it as a replay of the log, which is catching up, not latency.
  await subscribed;
  openGate();
  const lateDone = LATE > 0 ? watchers.next<LateReport>("lateDone") : null;
  if (lateDone) {
    const id = r.data.startGeneration.id;
    setTimeout(() => watchers.p.send({ type: "late", generationId: id }), 1000);
  }
  const report = await done;
  if (lateDone) lateWait.push(...(await lateDone).firstEventMs);
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
const wr = written.sort((a, b) => a - b);
const wt = waited.sort((a, b) => a - b);
console.log(
  `  the server's part: engine → the API's thread p99 ${f(pct(wt, 99))} ms, engine → frame written to a watcher's socket p50 ${f(pct(wr, 50))} ms, p99 ${f(pct(wr, 99))} ms; the API's event-loop delay p99 ${f(loopDelay.percentile(99) / 1e6)} ms, max ${f(loopDelay.max / 1e6)} ms`,
);
const lw = lateWait.filter((x) => x >= 0).sort((a, b) => a - b);
console.log(
  `late joiners (${LATE} a generation, subscribing 1 s in): subscribe → the log's replay arrives p50 ${f(pct(lw, 50))} ms, p95 ${f(pct(lw, 95))} ms, p99 ${f(pct(lw, 99))} ms`,
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
