/**
 * `npm run runner` with REDIS_URL set: one runner process — the model on this machine's execution
 * providers (TESSERA_EP, e.g. `cuda,cpu` on a GPU box), a BullMQ worker taking up to
 * TESSERA_RUNNER_CONCURRENCY generations at once into the runner's continuous batch. Needs DATABASE_URL
 * (runners persist results). Start as many as you like, on any machine. SIGINT/SIGTERM drain: running
 * generations get 7 s to finish, then are left for another runner to restart.
 */
import { hostname } from "node:os";
import pino from "pino";
import { loadConfig } from "../config.ts";
import { openDatabase } from "../db/index.ts";
import { createInProcessEngine } from "../generation/engine.ts";
import { createMetrics } from "../http/metrics.ts";
import { startEmbeddingBackfill } from "../search/backfill-embeddings.ts";
import { exitOnSignals } from "../shutdown.ts";
import { connectRedis, redisKeys } from "./redis.ts";
import { announceEmbedder } from "./runner-calls.ts";
import { startRunnerHttp } from "./runner-http.ts";
import { startRunnerWorker } from "./runner-worker.ts";

const config = loadConfig();
const logger = pino({ level: config.LOG_LEVEL });
if (!config.REDIS_URL || !config.DATABASE_URL) {
  logger.fatal("a runner process needs REDIS_URL and DATABASE_URL (without REDIS_URL the API runs the model itself)");
  process.exit(2);
}
const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.TESSERA_DATA_DIR, log: () => {} });
const engine = await createInProcessEngine({
  modelDir: config.TESSERA_MODEL_DIR,
  executionProviders: config.TESSERA_EP.split(",").map((s) => s.trim()),
  threads: config.TESSERA_THREADS,
});
const redis = connectRedis(config.REDIS_URL, { mode: "wait", name: "tessera-runner" });
const metrics = createMetrics();
const worker = await startRunnerWorker({
  redis,
  keys: redisKeys(config.REDIS_PREFIX),
  prisma: db.prisma,
  engine,
  logger,
  concurrency: config.TESSERA_RUNNER_CONCURRENCY,
  lockDurationMs: config.TESSERA_JOB_LOCK_MS,
  stalledIntervalMs: config.TESSERA_STALLED_INTERVAL_MS,
  ...(process.env.TESSERA_RUNNER_NAME ? { name: process.env.TESSERA_RUNNER_NAME } : {}),
  metrics: {
    onEvent: (type) => metrics.runnerEvents.inc({ type }),
    onFinished: (status, ms) => {
      metrics.generations.inc({ status });
      metrics.generationSeconds.observe(ms / 1000);
    },
  },
});
const http =
  config.TESSERA_RUNNER_PORT === undefined
    ? null
    : await startRunnerHttp({
        host: config.HOST,
        port: config.TESSERA_RUNNER_PORT,
        metrics,
        healthy: () => !shutdown.stopping() && worker.worker.isRunning(),
        active: () => worker.active(),
        embedText: (text) => engine.embedText(text),
        readPicture: (rgb) => engine.readPicture(rgb),
      });
const runnerUrl = http
  ? (config.TESSERA_RUNNER_URL?.replace(/\/+$/, "") ??
    `http://${["0.0.0.0", "::"].includes(config.HOST) ? hostname() : config.HOST}:${http.port}`)
  : null;
// API nodes hold no model: they have search texts and uploaded pictures read by a runner that says where it listens.
const embedder = runnerUrl ? announceEmbedder(redis, redisKeys(config.REDIS_PREFIX).embedders, runnerUrl) : null;
if (http) logger.info({ url: `http://${config.HOST}:${http.port}` }, "runner health and metrics");
if (runnerUrl) logger.info({ url: runnerUrl }, "search texts and uploads read here, announced to API nodes");
process.stdout.write(`RUNNER READY ${worker.name}\n`);

// Candidates stored without an embedding get one from their token grids, in the background (one runner at a
// time: search/backfill-embeddings.ts).
const backfill = startEmbeddingBackfill({
  prisma: db.prisma,
  model: engine.model(),
  describe: (grids) => engine.describeGrids(grids),
  log: logger,
});

// Registered right after the health server starts (no event-loop turn in between): `healthy` reads it.
const shutdown = exitOnSignals(
  async () => {
    const backfillStopped = backfill.stop(); // aborts now; its batch in flight is awaited below
    await embedder?.stop();
    http?.server.close();
    await worker.close(7000);
    await backfillStopped;
    await engine.close();
    redis.disconnect();
    await db.close();
  },
  (err) => logger.error({ err }, "runner shutdown failed"),
);
