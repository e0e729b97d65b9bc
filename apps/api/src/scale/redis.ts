/**
 * Redis connections and key names for the scaled-out deployment. Every key and channel starts with the
 * configured prefix (REDIS_PREFIX), so several deployments — or parallel tests — share one Redis safely.
 */
import { Redis, type RedisOptions } from "ioredis";

export interface RedisConnectOptions {
  /**
   * `wait`: commands wait through a Redis restart (BullMQ workers, blocking reads, the runner's event
   * writes — work in flight is delayed, not lost). `fail-fast`: a request-path command fails after a few
   * reconnect attempts so an HTTP caller gets an error instead of hanging.
   */
  mode: "wait" | "fail-fast";
  name?: string;
}

export function connectRedis(url: string, opts: RedisConnectOptions): Redis {
  const options: RedisOptions = {
    // ioredis reconnects by itself; back off up to 2 s between attempts.
    retryStrategy: (times) => Math.min(times * 100, 2000),
    maxRetriesPerRequest: opts.mode === "wait" ? null : 3,
    ...(opts.name ? { connectionName: opts.name } : {}),
  };
  const redis = new Redis(url, options);
  // Without a listener ioredis prints every reconnect error; the retry strategy handles them.
  redis.on("error", () => {});
  return redis;
}

export function redisKeys(prefix: string) {
  return {
    prefix,
    /** BullMQ's own prefix (it adds `:<queue>:...`). */
    bull: `${prefix}:bull`,
    /** Hocuspocus Redis extension's prefix. */
    collab: `${prefix}:collab`,
    /** Stream of one generation's events (GraphQL shape, JSON), in seq order. */
    events: (generationId: string) => `${prefix}:gen:${generationId}:events`,
    /** Which job attempt may write the stream (a runner that lost its job must stop writing). */
    owner: (generationId: string) => `${prefix}:gen:${generationId}:owner`,
    /** Set when a generation is cancelled, for a runner that has not picked the job up yet. */
    cancelled: (generationId: string) => `${prefix}:gen:${generationId}:cancelled`,
    cancelChannel: `${prefix}:cancel`,
    activityChannel: `${prefix}:activity`,
    /** The model the runners serve (JSON of EngineModelInfo), written by each runner at start. */
    model: `${prefix}:model`,
    /** Runners that embed search texts over HTTP: their URL → when they last said so (ms; `runner-calls.ts`). */
    embedders: `${prefix}:embedders`,
    rate: (key: string) => `${prefix}:rate:${key}`,
    /** Fair turns across boards (fair-priority.ts): the tag of the job taken last, and each board's last tag. */
    fairClock: `${prefix}:fair:clock`,
    fairTags: `${prefix}:fair:tags`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;

/** Deletes every key under the prefix (tests). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = "0";
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
    cursor = next;
    if (keys.length) n += await redis.unlink(...keys);
  } while (cursor !== "0");
  return n;
}
