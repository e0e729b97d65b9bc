/**
 * `npm run bench:scale`: scaled-out Tessera on this machine — two API nodes and 1, then 2, runner
 * processes (separate OS processes, the local PostgreSQL and Redis). Measures
 *  - throughput: GENERATIONS generations of n = N submitted at once through both nodes (several users, so
 *    the per-user rate limit is not what is measured) → generations per minute, start to last FINISHED;
 *  - cross-node event latency: for every event a graphql-ws subscriber on the *other* node receives, the
 *    time from the runner's XADD (the stream entry id is Redis's clock in ms) to receipt; p50/p99 under
 *    that load, and for a lone generation on an idle cluster.
 * Same total threads in both setups: 1 runner × TESSERA_THREADS=2, 2 runners × 1.
 */
import { createClient } from "graphql-ws";
import { Redis } from "ioredis";
import { redisKeys } from "../src/scale/redis.ts";
import { Client } from "../test/api-harness.ts";
import { scratchDatabase } from "../test/db-helpers.ts";
import { type Cluster, cookieWebSocketClass, createCluster, REDIS_URL, waitFor } from "../test/scale-harness.ts";

const GENERATIONS = Number(process.env.BENCH_GENERATIONS ?? 32);
const N = Number(process.env.BENCH_N ?? 4);
const USERS = Math.ceil(GENERATIONS / 10);
const EVENTS = `subscription($id: ID!) { generationEvents(generationId: $id) { seq kind } }`;

interface Received {
  seq: number;
  kind: string;
  at: number;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}

function subscribe(baseUrl: string, cookie: string, id: string): Promise<Received[]> {
  const client = createClient({
    url: `${baseUrl.replace("http", "ws")}/graphql`,
    webSocketImpl: cookieWebSocketClass(cookie),
    retryAttempts: 0,
  });
  const out: Received[] = [];
  return new Promise<Received[]>((resolve, reject) => {
    client.subscribe<{ generationEvents: { seq: number; kind: string } }>(
      { query: EVENTS, variables: { id } },
      {
        next: (v) => {
          if (v.errors) return reject(new Error(JSON.stringify(v.errors)));
          out.push({ ...v.data!.generationEvents, at: Date.now() });
        },
        error: (e) => reject(e instanceof Error ? e : new Error(JSON.stringify(e))),
        complete: () => resolve(out),
      },
    );
  }).finally(() => client.dispose());
}

/**
 * Receipt time minus the stream entry's time, for the events written after the subscriber was live (its
 * first event had arrived): earlier ones are replay, whose age says nothing about propagation. The
 * stream is read back after the end (it lives 60 s).
 */
async function latencies(redis: Redis, cluster: Cluster, id: string, got: Received[]): Promise<number[]> {
  const entries = await redis.xrange(redisKeys(cluster.prefix).events(id), "-", "+");
  const liveFrom = got[0]?.at ?? Number.POSITIVE_INFINITY;
  const out: number[] = [];
  for (const e of got) {
    const written = Number(entries[e.seq]?.[0].split("-")[0]);
    if (written > liveFrom) out.push(e.at - written);
  }
  return out;
}

async function run(runners: number) {
  const db = await scratchDatabase("tessera_bench_scale");
  const cluster = createCluster(db.url, {
    TESSERA_RUNNER_CONCURRENCY: "16",
    TESSERA_MAX_QUEUED: "1000",
    // Production-like job lock: nothing is killed here.
    TESSERA_JOB_LOCK_MS: "30000",
    TESSERA_STALLED_INTERVAL_MS: "15000",
  });
  const redis = new Redis(REDIS_URL);
  try {
    const threads = String(2 / runners);
    const [a, b] = await Promise.all([
      cluster.startApi("api-a"),
      cluster.startApi("api-b"),
      ...Array.from({ length: runners }, (_, i) =>
        cluster.startRunner(`runner-${i + 1}`, { TESSERA_THREADS: threads }),
      ),
    ]);
    const nodes = [a!, b!];
    const users: Client[] = [];
    for (let i = 0; i < USERS; i++) {
      const c = new Client(nodes[i % 2]!.url);
      await c.ok("{ me { id } }");
      users.push(c);
    }
    const owner = users[0]!;
    const boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "bench") { id } }`))
      .createBoard.id;
    for (const u of users.slice(1)) {
      const link = await owner.ok<{ createShareLink: { token: string } }>(
        `mutation($b: ID!) { createShareLink(boardId: $b, role: EDITOR) { token } }`,
        { b: boardId },
      );
      await u.ok(`mutation($t: String!) { joinBoard(token: $t) { role } }`, { t: link.createShareLink.token });
    }
    for (const u of users) {
      await waitFor(async () => !(await u.gql("{ model { gridRows } }")).errors, 30_000, "model announced");
    }
    const start = async (u: Client, n: number, i: number) =>
      (
        await u.ok<{ startGeneration: { id: string } }>(
          `mutation($b: ID!, $n: Int!, $p: String!) { startGeneration(boardId: $b, cardId: "c", prompt: $p, n: $n) { id } }`,
          { b: boardId, n, p: `a red circle number ${i}` },
        )
      ).startGeneration.id;
    // Subscriber on the other node than the one the mutation went to: every event crosses nodes.
    const other = (u: Client) => (u.baseUrl === a!.url ? b!.url : a!.url);
    const startMs: number[] = [];
    const one = async (u: Client, n: number, i: number) => {
      const ts = Date.now();
      const id = await start(u, n, i);
      startMs.push(Date.now() - ts);
      const got = await subscribe(other(u), u.cookie!, id);
      if (got.at(-1)?.kind !== "FINISHED") throw new Error(`generation ${id} ended ${got.at(-1)?.kind}`);
      return { id, got };
    };

    // Warm-up (first runs pay session start-up), then a lone generation on the idle cluster.
    await Promise.all(Array.from({ length: runners * 2 }, (_, i) => one(users[0]!, N, i)));
    const lone = await one(users[0]!, N, 99);
    const idleLat = await latencies(redis, cluster, lone.id, lone.got);

    const t0 = Date.now();
    const results = await Promise.all(
      Array.from({ length: GENERATIONS }, (_, i) => one(users[i % users.length]!, N, 100 + i)),
    );
    const seconds = (Date.now() - t0) / 1000;
    const loadLat = (await Promise.all(results.map((r) => latencies(redis, cluster, r.id, r.got)))).flat();
    return {
      runners,
      threadsPerRunner: Number(threads),
      generations: GENERATIONS,
      n: N,
      seconds: Number(seconds.toFixed(1)),
      generationsPerMinute: Number(((GENERATIONS / seconds) * 60).toFixed(1)),
      startGenerationMs: { p50: pct(startMs, 50), p99: pct(startMs, 99) },
      idleLatencyMs: { p50: pct(idleLat, 50), p99: pct(idleLat, 99), events: idleLat.length },
      loadLatencyMs: { p50: pct(loadLat, 50), p99: pct(loadLat, 99), events: loadLat.length },
    };
  } finally {
    redis.disconnect();
    await cluster.close();
    await db.drop();
  }
}

const one = await run(1);
console.log(JSON.stringify(one));
const two = await run(2);
console.log(JSON.stringify(two));
console.log(
  `\n1 runner: ${one.generationsPerMinute} generations/min (n=${N}); 2 runners: ${two.generationsPerMinute} ` +
    `(×${(two.generationsPerMinute / one.generationsPerMinute).toFixed(2)}).\n` +
    `cross-node event latency (runner XADD → subscriber on the other API node): idle p50 ${one.idleLatencyMs.p50} ms / ` +
    `p99 ${one.idleLatencyMs.p99} ms; under load (1 runner) p50 ${one.loadLatencyMs.p50} / p99 ${one.loadLatencyMs.p99} ms; ` +
    `(2 runners) p50 ${two.loadLatencyMs.p50} / p99 ${two.loadLatencyMs.p99} ms.`,
);
process.exit(0);
