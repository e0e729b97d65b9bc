/**
 * `npm run bench:api`: 200 graphql-ws subscribers on one generation (real runner, real PostgreSQL):
 * latency from the runner yielding an event to each subscriber receiving it (p50/p99), castVote
 * throughput, and memory per subscriber. Uses DATABASE_URL when set, else a scratch database on the local
 * PostgreSQL (127.0.0.1:5432), else the embedded default. Prints figures; asserts nothing.
 */
import { performance } from "node:perf_hooks";
import type { RunnerEvent } from "@tessera/shared";
import { createInProcessEngine, type GenerationEngine } from "../src/generation/engine.ts";
import { Client, startTestApi } from "../test/api-harness.ts";
import { scratchDatabase } from "../test/db-helpers.ts";

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 200);
const VOTE_SECONDS = Number(process.env.BENCH_VOTE_SECONDS ?? 5);

/** The real engine, recording when each event of each generation leaves the runner (index = seq). */
function timedEngine(inner: GenerationEngine, emitted: number[]): GenerationEngine {
  return {
    ...inner,
    async *generate(request, opts) {
      for await (const e of inner.generate(request, opts) as AsyncIterable<RunnerEvent>) {
        emitted.push(performance.now());
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
const real = await createInProcessEngine({
  modelDir: process.env.TESSERA_MODEL_DIR ?? "models/tessera-tiny",
  executionProviders: ["cpu"],
});
const api = await startTestApi(db ? { databaseUrl: db.url } : {}, { engine: timedEngine(real, emitted) });
const owner = new Client(api.url);
const boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "bench") { id } }`))
  .createBoard.id;

global.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const rssBefore = process.memoryUsage().rss;
const clients = Array.from({ length: SUBSCRIBERS }, () => owner.ws());
// Open every connection first (connection_init/ack), so the generation starts with all subscribers live.
await Promise.all(
  clients.map(
    (c) =>
      new Promise<void>((resolve) => {
        const off = c.on("connected", () => {
          off();
          resolve();
        });
        // graphql-ws connects lazily: a no-op subscription that completes opens the socket.
        c.subscribe(
          { query: "{ limits { promptMaxChars } }" },
          { next: () => {}, error: () => {}, complete: () => {} },
        );
      }),
  ),
);
global.gc?.();
const heapConnected = process.memoryUsage().heapUsed;
const rssConnected = process.memoryUsage().rss;

const gen = await owner.ok<{ startGeneration: { id: string } }>(
  `mutation($b: ID!) { startGeneration(boardId: $b, cardId: "card", prompt: "a red circle on a blue square", n: 4, params: { seed: 1 }) { id } }`,
  { b: boardId },
);
const id = gen.startGeneration.id;
const latencies: number[] = [];
let received = 0;
await Promise.all(
  clients.map(
    (c) =>
      new Promise<void>((resolve, reject) => {
        // Live latency counts only events emitted after this subscriber had caught up with the replay.
        let liveAfterSeq = -1;
        c.subscribe<{ generationEvents: { seq: number } }>(
          {
            query: `subscription($id: ID!) { generationEvents(generationId: $id) { seq kind tokens image } }`,
            variables: { id },
          },
          {
            next: (v) => {
              const now = performance.now();
              const seq = v.data!.generationEvents.seq;
              if (liveAfterSeq < 0) liveAfterSeq = emitted.length - 1;
              else if (seq > liveAfterSeq) latencies.push(now - emitted[seq]!);
              received++;
            },
            error: reject,
            complete: resolve,
          },
        );
      }),
  ),
);
latencies.sort((a, b) => a - b);
console.log(
  `subscribers: ${SUBSCRIBERS}, events per subscriber: ${emitted.length}, deliveries: ${received}, live samples: ${latencies.length}`,
);
console.log(
  `event→receipt latency ms: p50 ${pct(latencies, 50).toFixed(2)}  p99 ${pct(latencies, 99).toFixed(2)}  max ${latencies.at(-1)!.toFixed(2)}`,
);
console.log(
  `memory per subscriber connection (client + server, same process): heap ${((heapConnected - heapBefore) / SUBSCRIBERS / 1024).toFixed(1)} KiB, rss ${((rssConnected - rssBefore) / SUBSCRIBERS / 1024).toFixed(1)} KiB`,
);
await Promise.all(clients.map((c) => c.dispose()));

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
