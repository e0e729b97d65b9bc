/**
 * Fair turns across boards on the shared BullMQ queue, scaled out: start-time fair queuing expressed as
 * BullMQ job priorities (lower runs first, FIFO within one priority). A board's next job gets the tag
 * max(clock, that board's last tag) + 1, where the clock is the tag of the job a runner took last. A board
 * that queues 50 jobs holds tags clock+1..clock+50; another board's job arriving then gets clock+1 and runs
 * after at most one of them — round-robin without a scheduler of our own, on any number of API nodes.
 * (In-process the API's FairQueue also takes turns between the people on a board; scaled out, one board's
 * jobs run first come first served.)
 */
import type { Redis } from "ioredis";
import type { RedisKeys } from "./redis.ts";

/** BullMQ's largest priority; past it tags stay there (first come first served) until the queue drains. */
export const MAX_PRIORITY = 2 ** 21 - 1;

const TAG = `
local clock = tonumber(redis.call('GET', KEYS[1]) or '0')
local last = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local tag = math.min(math.max(clock, last) + 1, tonumber(ARGV[2]))
redis.call('HSET', KEYS[2], ARGV[1], tag)
redis.call('PEXPIRE', KEYS[2], 86400000)
return tag`;

const ADVANCE = `
local clock = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > clock then redis.call('SET', KEYS[1], ARGV[1], 'PX', 86400000) end
return 1`;

const RESET = `
redis.call('DEL', KEYS[1], KEYS[2])
return 1`;

/** The priority for a new job of `boardId` (atomic across API nodes). */
export async function fairTag(redis: Redis, keys: RedisKeys, boardId: string): Promise<number> {
  return Number(await redis.eval(TAG, 2, keys.fairClock, keys.fairTags, boardId, MAX_PRIORITY));
}

/** A runner took a job with this priority: later arrivals line up from here. */
export async function advanceFairClock(redis: Redis, keys: RedisKeys, priority: number | undefined): Promise<void> {
  if (!priority) return;
  await redis.eval(ADVANCE, 1, keys.fairClock, priority);
}

/** With nothing waiting, tags start again from 1 (so they never reach BullMQ's limit in practice). */
export async function resetFairTags(redis: Redis, keys: RedisKeys): Promise<void> {
  await redis.eval(RESET, 2, keys.fairClock, keys.fairTags);
}
