/**
 * One Redis Stream per generation carries its events (GraphQL shape, JSON) from the runner that works on
 * it to every API node. The entry's position in the stream is its `seq`: an API node tails the stream
 * from the first entry (XREAD BLOCK), so replay and live events are one read cursor — every event once,
 * in order, on any node, however late the subscriber comes. The stream is kept a day while the job is
 * alive and `retentionMs` after its terminal event; later subscribers replay from PostgreSQL.
 *
 * A stream has one writer: the job attempt that last claimed it. A runner that lost its job (its lock
 * expired and another runner took the job over) gets NOT_OWNER on its next write and stops.
 */
import type { Redis } from "ioredis";
import type { GqlGenerationEvent } from "../generation/to-gql-event.ts";
import type { RedisKeys } from "./redis.ts";

const LIVE_TTL_S = 24 * 3600;
/** Far above any generation's event count (n ≤ 16 candidates × rows × (tokens + previews)); a runaway guard. */
const MAX_EVENTS = 50_000;

const APPEND = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return redis.error_reply('NOT_OWNER stream owned by another attempt') end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*', 'e', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return id`;

export const TERMINAL_KINDS = new Set(["FINISHED", "FAILED", "CANCELLED"]);

export class NotOwnerError extends Error {}

export class GenerationStreamWriter {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    readonly generationId: string,
    private readonly attempt: string,
  ) {}

  /** Takes the stream over for this attempt; tells what earlier attempts left in it. */
  async claim(): Promise<{ length: number; last: GqlGenerationEvent | null }> {
    const [, length, last] = (await this.redis
      .multi()
      .set(this.keys.owner(this.generationId), this.attempt, "EX", LIVE_TTL_S)
      .xlen(this.keys.events(this.generationId))
      .xrevrange(this.keys.events(this.generationId), "+", "-", "COUNT", 1)
      .exec()) as [unknown, [null, number], [null, [string, string[]][]]];
    const entry = last[1][0];
    return { length: length[1], last: entry ? decodeEntry(entry[1]) : null };
  }

  async append(event: GqlGenerationEvent): Promise<void> {
    try {
      await this.redis.eval(
        APPEND,
        2,
        this.keys.events(this.generationId),
        this.keys.owner(this.generationId),
        this.attempt,
        JSON.stringify(event),
        LIVE_TTL_S,
        MAX_EVENTS,
      );
    } catch (e) {
      if (e instanceof Error && e.message.startsWith("NOT_OWNER")) throw new NotOwnerError(e.message);
      throw e;
    }
  }

  /** After the terminal event: keep the stream `retentionMs` for subscribers already on their way. */
  async retire(retentionMs: number): Promise<void> {
    await this.redis
      .multi()
      .pexpire(this.keys.events(this.generationId), retentionMs)
      .pexpire(this.keys.owner(this.generationId), retentionMs)
      .exec();
  }
}

export function decodeEntry(fields: string[]): GqlGenerationEvent {
  const i = fields.indexOf("e");
  return JSON.parse(fields[i + 1] ?? "{}") as GqlGenerationEvent;
}

export interface TailOptions {
  /** How long one XREAD blocks before the tail checks the database. */
  blockMs?: number;
  /**
   * Called when the stream was quiet for `blockMs`: the generation's terminal events from the database
   * when it ended without its runner writing them (runner lost, Redis flushed), else null to keep waiting.
   */
  onIdle(seen: number): Promise<GqlGenerationEvent[] | null>;
}

/**
 * Reads a generation's stream from its first entry until a terminal event, handing each event to
 * `onEvent`. Uses `conn` for blocking reads (a dedicated connection); stops when `signal` aborts.
 */
export async function tailStream(
  conn: Redis,
  key: string,
  onEvent: (e: GqlGenerationEvent) => void,
  signal: AbortSignal,
  opts: TailOptions,
): Promise<void> {
  let lastId = "0";
  let seen = 0;
  while (!signal.aborted) {
    const res = (await conn.xread("COUNT", 1000, "BLOCK", opts.blockMs ?? 5000, "STREAMS", key, lastId)) as
      | [string, [string, string[]][]][]
      | null;
    if (signal.aborted) return;
    const entries = res?.[0]?.[1] ?? [];
    if (entries.length === 0) {
      const fallback = await opts.onIdle(seen);
      if (!fallback) continue;
      for (const e of fallback) onEvent(e);
      return;
    }
    for (const [id, fields] of entries) {
      lastId = id;
      seen++;
      const event = decodeEntry(fields);
      onEvent(event);
      if (TERMINAL_KINDS.has(event.kind)) return;
    }
  }
}
