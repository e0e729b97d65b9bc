/**
 * Everything an API node shares with other nodes when REDIS_URL is set: the board activity bus over
 * pub/sub, the engine view (model announced by runners), the job queue, the rate limiter, the
 * generation service on top of them, and the collab pieces (Hocuspocus Redis extension, merging store).
 */
import { Redis as HocuspocusRedis } from "@hocuspocus/extension-redis";
import { LIMITS } from "@tessera/shared";
import { Queue } from "bullmq";
import type { Logger } from "pino";
import type { CollabOptions } from "../collab/index.ts";
import type { Config } from "../config.ts";
import type { PrismaClient } from "../db/index.ts";
import type { GenerationMetrics } from "../generation/service.ts";
import { RedisBoardActivityBus } from "./activity-bus.ts";
import { mergingBoardStore } from "./merging-board-store.ts";
import { GENERATION_QUEUE, type GenerationJobData } from "./queue.ts";
import { RedisRateLimiter } from "./rate-limit.ts";
import { connectRedis, redisKeys } from "./redis.ts";
import { createRemoteEngine } from "./remote-engine.ts";
import { ScaledGenerationService } from "./scaled-generation-service.ts";

export { connectRedis, deletePrefix, redisKeys } from "./redis.ts";
export { startRunnerWorker } from "./runner-worker.ts";

export async function createScaleOut(opts: {
  config: Config & { REDIS_URL: string };
  prisma: PrismaClient;
  /** The board document log's own pool (`Database.documents`). */
  documents: PrismaClient;
  logger: Logger;
  metrics?: GenerationMetrics;
}) {
  const { config, prisma } = opts;
  const logger = opts.logger.child({ component: "scale" });
  const keys = redisKeys(config.REDIS_PREFIX);
  const redis = connectRedis(config.REDIS_URL, { mode: "fail-fast", name: "tessera-api" });
  const activity = await RedisBoardActivityBus.create(
    redis,
    connectRedis(config.REDIS_URL, { mode: "wait", name: "tessera-api-activity" }),
    keys.activityChannel,
    logger,
  );
  const engine = await createRemoteEngine(redis, keys.model, 5000, keys.embedders);
  const queue = new Queue<GenerationJobData>(GENERATION_QUEUE, {
    connection: connectRedis(config.REDIS_URL, { mode: "fail-fast", name: "tessera-api-queue" }),
    prefix: keys.bull,
    // The runner owns retries (stalled jobs); a job that threw is failed for good and recorded as FAILED.
    defaultJobOptions: { attempts: 1, removeOnComplete: { age: 3600, count: 10_000 }, removeOnFail: { age: 86_400 } },
  });
  const limiter = new RedisRateLimiter(redis, keys.rate, LIMITS.generationsPerMinute, 60_000);
  const generations = new ScaledGenerationService(
    prisma,
    engine,
    activity,
    logger,
    { redis, keys, queue, limiter, maxQueued: config.TESSERA_MAX_QUEUED },
    opts.metrics,
  );
  generations.startReaper();
  const collab: Pick<CollabOptions, "store" | "extensions"> = {
    store: mergingBoardStore(opts.documents),
    extensions: [
      new HocuspocusRedis({
        prefix: keys.collab,
        // The extension bundles its own ioredis typings (5.6); the client API it uses is the same.
        createClient: () => connectRedis(config.REDIS_URL, { mode: "wait", name: "tessera-api-collab" }) as never,
      }),
    ],
  };
  return {
    keys,
    redis,
    /** A sliding-window limit shared by every API node, under its own key space. */
    rateLimiter: (name: string, max: number, windowMs: number) =>
      new RedisRateLimiter(redis, (key) => keys.rate(`${name}:${key}`), max, windowMs),
    activity,
    engine,
    queue,
    generations,
    collab,
    async close(): Promise<void> {
      await engine.close();
      await queue.close();
      await activity.close();
      redis.disconnect();
    },
  };
}

export type ScaleOut = Awaited<ReturnType<typeof createScaleOut>>;
