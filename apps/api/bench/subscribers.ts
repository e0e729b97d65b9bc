/**
 * `npm run bench:api`: 200 graphql-ws subscribers on each of 5 generations in turn (real runner, real PostgreSQL):
 * latency from the runner yielding an event to each subscriber receiving it (p50/p99, per event kind),
 * castVote throughput, and memory per subscriber. The subscribers live in a child process, as browsers
 * would: the server's fan-out is measured, not 200 clients parsing in the server's own event loop.
 * Uses DATABASE_URL when set, else a scratch database on the local PostgreSQL (127.0.0.1:5432), else the
 * embedded default. Prints figures; asserts nothing.
 */
import { fork } from "node:child_process";
import { performance } from "node:perf_hooks";
import type { RunnerEvent } from "@tessera/shared";
import { createInProcessEngine, type GenerationEngine } from "../src/generation/engine.ts";
import { Client, startTestApi } from "../test/api-harness.ts";
import { scratchDatabase } from "../test/db-helpers.ts";
import type { SwarmReport } from "./subscriber-swarm.ts";

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 200);
const GENERATIONS = Number(process.env.BENCH_GENERATIONS ?? 5);
const VOTE_SECONDS = Number(process.env.BENCH_VOTE_SECONDS ?? 5);
const now = () => performance.timeOrigin + performance.now();

/**
 * The real engine, recording when each event leaves the runner (index = seq). It starts only once the
 * subscribers are in, so every event is a live one.
 */
function timedEngine(inner: GenerationEngine, emitted: number[], gate: () => Promise<void>): GenerationEngine {
  return {
    ...inner,
    async *generate(request, opts) {
      await gate();
      emitted.length = 0;
      for await (const e of inner.generate(request, opts) as AsyncIterable<RunnerEvent>) {
        emitted.push(now());
        yield e;
      }
    },
  };
}

function pct(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const db = process.env.DATABASE_URL
  ? { url: process.env.DATABASE_URL, drop: async () => {} }
  : await scratchDatabase("tessera_bench").catch(() => null);
const emitted: number[] = [];
let gate = Promise.resolve();
let openGate = () => {};
const real = await createInProcessEngine({
  modelDir: process.env.TESSERA_MODEL_DIR ?? "models/tessera-tiny",
  executionProviders: ["cpu"],
});
const api = await startTestApi(db ? { databaseUrl: db.url } : {}, {
  engine: timedEngine(real, emitted, () => gate),
});
const owner = new Client(api.url);
const boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "bench") { id } }`))
  .createBoard.id;

global.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const swarm = fork(new URL("./subscriber-swarm.ts", import.meta.url), [api.url, owner.cookie!, String(SUBSCRIBERS)], {
  execArgv: ["--import", "tsx"],
});
swarm.once("exit", (code) => {
  if (code !== 0) {
    console.error(`subscriber swarm exited with ${code}`);
    process.exit(1);
  }
});
const fromSwarm = (type: string) =>
  new Promise<SwarmReport | { type: string }>((resolve) => {
    const onMessage = (m: { type: string }) => {
      if (m.type !== type) return;
      swarm.off("message", onMessage);
      resolve(m as SwarmReport);
    };
    swarm.on("message", onMessage);
  });
await fromSwarm("connected");
global.gc?.();
const heapConnected = process.memoryUsage().heapUsed;

const latencies: number[] = [];
const byKind = new Map<string, number[]>();
const perGeneration: string[] = [];
let received = 0;
let missing = 0;
let eventsPerGeneration = 0;
let id = "";
for (let run = 0; run < GENERATIONS; run++) {
  gate = new Promise<void>((r) => {
    openGate = r;
  });
  const gen = await owner.ok<{ startGeneration: { id: string } }>(
    `mutation($b: ID!, $s: Int!) { startGeneration(boardId: $b, cardId: "card", prompt: "a red circle on a blue square", n: 4, params: { seed: $s }) { id } }`,
    { b: boardId, s: run + 1 },
  );
  id = gen.startGeneration.id;
  const reportPromise = fromSwarm("done") as Promise<SwarmReport>;
  const subscribed = fromSwarm("subscribed");
  swarm.send({ type: "subscribe", generationId: id });
  await subscribed;
  openGate();
  const report = await reportPromise;
  const mine: number[] = [];
  eventsPerGeneration = emitted.length;
  for (const receipts of report.receipts) {
    received += receipts.length;
    missing += emitted.length - receipts.length;
    for (const r of receipts) {
      const ms = r.at - emitted[r.seq]!;
      mine.push(ms);
      const kind = byKind.get(r.kind) ?? [];
      kind.push(ms);
      byKind.set(r.kind, kind);
    }
  }
  mine.sort((a, b) => a - b);
  perGeneration.push(`p50 ${pct(mine, 50).toFixed(1)} / p99 ${pct(mine, 99).toFixed(1)}`);
  for (const ms of mine) latencies.push(ms);
}
swarm.send({ type: "exit" });
latencies.sort((a, b) => a - b);
console.log(
  `subscribers: ${SUBSCRIBERS} (separate process), generations: ${GENERATIONS} one after another, events per generation: ${eventsPerGeneration}, deliveries: ${received}, missing: ${missing}`,
);
console.log(
  `event→receipt latency ms: p50 ${pct(latencies, 50).toFixed(2)}  p99 ${pct(latencies, 99).toFixed(2)}  max ${latencies.at(-1)!.toFixed(2)}`,
);
console.log(`  per generation ms: ${perGeneration.join(", ")}`);
for (const [kind, ms] of byKind) {
  ms.sort((a, b) => a - b);
  console.log(
    `  ${kind.padEnd(18)} n ${String(ms.length).padStart(5)}  p50 ${pct(ms, 50).toFixed(2)}  p99 ${pct(ms, 99).toFixed(2)}`,
  );
}
console.log(
  `server memory per subscriber connection: heap ${((heapConnected - heapBefore) / SUBSCRIBERS / 1024).toFixed(1)} KiB (RSS moves with the allocator and GC; heap is the figure)`,
);

// castVote throughput: 20 users voting/clearing as fast as they can on the finished candidates.
const g = await owner.ok<{ generation: { candidates: { id: string }[] } }>(
  `query($id: ID!) { generation(id: $id) { candidates { id } } }`,
  { id },
);
const candidates = g.generation.candidates.map((c) => c.id);
const voters = Array.from({ length: 20 }, () => new Client(api.url));
const link = await owner.ok<{ createShareLink: { token: string } }>(
  `mutation($b: ID!) { createShareLink(boardId: $b, role: EDITOR) { token } }`,
  { b: boardId },
);
await Promise.all(
  voters.map((v) => v.ok(`mutation($t: String!) { joinBoard(token: $t) { role } }`, { t: link.createShareLink.token })),
);
let votes = 0;
const until = performance.now() + VOTE_SECONDS * 1000;
await Promise.all(
  voters.map(async (v, i) => {
    while (performance.now() < until) {
      await v.ok(`mutation($c: ID!) { castVote(candidateId: $c) { votes } }`, {
        c: candidates[(i + votes) % candidates.length],
      });
      votes++;
    }
  }),
);
console.log(
  `castVote throughput: ${(votes / VOTE_SECONDS).toFixed(0)} mutations/s (20 concurrent users, HTTP, resolver returns the count)`,
);
await api.close();
await db?.drop();
