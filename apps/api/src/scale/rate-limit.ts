/**
 * A limit shared by every API node (generation starts per user, new users per address, boards per user):
 * a sliding window in a Redis sorted set, one Lua script (atomic, one round trip), Redis's own clock so
 * nodes with skewed clocks agree. It is the same rule as the embedded in-memory limiter (at most `max`
 * hits in any `windowMs`); a fixed-window counter (INCR + EXPIRE, or rate-limiter-flexible's default)
 * would let 2×max through across a window boundary, and the set never holds more than `max` members per key.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Limiter } from "../generation/rate-limit.ts";

const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return 1`;

export class RedisRateLimiter implements Limiter {
  constructor(
    private readonly redis: Redis,
    private readonly keyOf: (key: string) => string,
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  async take(key: string): Promise<boolean> {
    const r = await this.redis.eval(TAKE, 1, this.keyOf(key), this.windowMs, this.max, randomUUID());
    return r === 1;
  }
}
