/**
 * GenerationService for a scaled-out API node. Validation, limits (rate limit in Redis, QUEUE_FULL from
 * the queue's depth) and the QUEUED row are the base class's; then the job goes to BullMQ and a runner
 * process — not this node — drives the engine and persists candidates, ranking and status, so the work
 * survives this node dying. Subscribers on this node read the generation's Redis stream through one
 * tail per generation (one blocking connection, fanned out through an in-memory EventLog); finished
 * generations whose stream has expired replay from the database, as in the embedded mode.
 */
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { PrismaClient } from "../db/index.ts";
import type { BoardActivityBus } from "../generation/board-activity.ts";
import type { GenerationEngine } from "../generation/engine.ts";
import { EventLog, type Sequenced } from "../generation/event-log.ts";
import type { BoardQueue } from "../generation/queue-estimate.ts";
import type { Limiter } from "../generation/rate-limit.ts";
import {
  type EngineRequest,
  type GenerationMetrics,
  type GenerationRow,
  GenerationService,
} from "../generation/service.ts";
import type { GqlGenerationEvent } from "../generation/to-gql-event.ts";
import { fairTag, resetFairTags } from "./fair-priority.ts";
import { tailStream } from "./generation-stream.ts";
import type { GenerationJobData } from "./queue.ts";
import type { RedisKeys } from "./redis.ts";

const TERMINAL_STATUS = new Set(["FINISHED", "FAILED", "CANCELLED"]);
const LOG_RETENTION_MS = 60_000;

export interface ScaleDeps {
  redis: Redis;
  keys: RedisKeys;
  queue: Queue<GenerationJobData>;
  limiter: Limiter;
  maxQueued: number;
  /** XREAD BLOCK per round; the tail checks the database between quiet rounds. */
  tailBlockMs?: number;
}

interface Tail {
  log: EventLog<GqlGenerationEvent>;
  abort: AbortController;
  conn: Redis;
}

export class ScaledGenerationService extends GenerationService {
  private readonly tails = new Map<string, Tail>();
  private queued = 0;
  private reaper: NodeJS.Timeout | null = null;

  constructor(
    prisma: PrismaClient,
    engine: GenerationEngine,
    activity: BoardActivityBus,
    logger: Logger,
    private readonly scale: ScaleDeps,
    metrics: GenerationMetrics = {},
  ) {
    super(prisma, engine, activity, logger, scale.maxQueued, metrics, scale.limiter);
  }

  /** Generations waiting or running on any runner, as of the last start on this node. */
  override inFlight(): number {
    return this.queued;
  }

  protected override async isFull(slots = 1): Promise<boolean> {
    const c = await this.scale.queue.getJobCounts("waiting", "active", "delayed", "prioritized");
    this.queued = Object.values(c).reduce((a, b) => a + b, 0);
    return this.queued + slots > this.maxInFlight;
  }

  protected override async launch(generation: GenerationRow, request: EngineRequest): Promise<void> {
    await this.launchGroup([{ generation, request }]);
  }

  /**
   * One BullMQ job per generation, added in one call. A matrix's cells share one fair turn (the same
   * priority), so runners take them one after another and their continuous batching runs them together.
   */
  protected override async launchGroup(items: { generation: GenerationRow; request: EngineRequest }[]): Promise<void> {
    const first = items[0];
    if (!first) return;
    const { redis, keys, queue } = this.scale;
    if (this.queued === 0) await resetFairTags(redis, keys); // nothing waited or ran as of isFull() just now
    const createdBy = await this.starterName(first.generation);
    // Round-robin across boards on every node: BullMQ runs the lowest priority first (fair-priority.ts).
    const priority = await fairTag(redis, keys, first.generation.boardId);
    await queue.addBulk(
      items.map(({ generation, request }) => ({
        name: "generate",
        data: {
          generationId: generation.id,
          boardId: generation.boardId,
          cardId: generation.cardId,
          request,
          userId: generation.createdById,
          createdBy,
        },
        opts: { jobId: generation.id, priority },
      })),
    );
  }

  /**
   * The board's waiting jobs and their place among all waiting ones, read from BullMQ (every node and
   * runner share it). No start estimate here: the runners' throughput is not shared with API nodes yet.
   */
  override async boardQueue(boardId: string): Promise<BoardQueue> {
    const { queue } = this.scale;
    const [jobs, counts] = await Promise.all([
      queue.getJobs(["prioritized", "waiting"], 0, 499),
      queue.getJobCounts("prioritized", "waiting", "active"),
    ]);
    const order = jobs
      .filter((j) => j?.data)
      .sort((a, b) => (a.opts.priority ?? 0) - (b.opts.priority ?? 0) || a.timestamp - b.timestamp);
    const entries: BoardQueue["entries"] = [];
    order.forEach((j, i) => {
      if (j.data.boardId === boardId)
        entries.push({
          generationId: j.data.generationId,
          cardId: j.data.cardId,
          prompt: j.data.request.prompt,
          createdBy: j.data.createdBy ?? "Someone",
          createdById: j.data.userId ?? "",
          position: i + 1,
          etaMs: null,
        });
    });
    return {
      boardId,
      entries,
      waiting: (counts.prioritized ?? 0) + (counts.waiting ?? 0),
      running: counts.active ?? 0,
    };
  }

  /** Scaled out the queue moves on other nodes and runners: each subscriber's node looks every second. */
  override async *subscribeQueue(boardId: string, signal: AbortSignal): AsyncGenerator<BoardQueue> {
    let last = "";
    while (!signal.aborted) {
      const q = await this.boardQueue(boardId);
      const json = JSON.stringify(q);
      if (json !== last) {
        last = json;
        yield q;
      }
      await new Promise<void>((r) => {
        const done = () => {
          clearTimeout(t);
          signal.removeEventListener("abort", done);
          r();
        };
        const t = setTimeout(done, 1000);
        signal.addEventListener("abort", done, { once: true });
      });
    }
  }

  /** Asks whichever runner has the job to stop; a job still waiting is cancelled when a runner takes it. */
  override cancel(generationId: string): boolean {
    const { redis, keys } = this.scale;
    redis
      .multi()
      .set(keys.cancelled(generationId), "1", "EX", 24 * 3600)
      .publish(keys.cancelChannel, generationId)
      .exec()
      .catch((err: unknown) => this.logger.warn({ err, generationId }, "cancel not delivered"));
    return true;
  }

  /**
   * A booting node must not fail generations other nodes' runners are working on: only those whose job
   * is gone (Redis lost it) or failed, and that are old enough not to be between INSERT and queue.add.
   */
  override async reapStale(): Promise<number> {
    const stale = await this.prisma.generation.findMany({
      where: { status: { in: ["QUEUED", "RUNNING"] }, createdAt: { lt: new Date(Date.now() - 60_000) } },
      select: { id: true },
      take: 1000,
    });
    let n = 0;
    for (const { id } of stale) {
      const job = await this.scale.queue.getJob(id);
      const state = job ? await job.getState() : "missing";
      if (state === "missing" || state === "failed" || state === "completed" || state === "unknown") {
        await this.prisma.generation.updateMany({
          where: { id, status: { in: ["QUEUED", "RUNNING"] } },
          data: { status: "FAILED", error: "The generation's job was lost.", finishedAt: new Date() },
        });
        n++;
      }
    }
    return n;
  }

  /** Also every `everyMs` while the node runs: a job can be lost or given up on at any time, not only at boot. */
  override startReaper(everyMs = 120_000): void {
    this.reaper ??= setInterval(() => {
      this.reapStale().then(
        (n) => n && this.logger.warn({ reaped: n }, "marked generations whose job was lost as failed"),
        (err: unknown) => this.logger.warn({ err }, "reaper failed"),
      );
    }, everyMs).unref();
  }

  override async *subscribe(generationId: string, signal: AbortSignal): AsyncGenerator<Sequenced<GqlGenerationEvent>> {
    let tail = this.tails.get(generationId);
    if (!tail) {
      // Stream gone and generation over: the database has all of it.
      // Redis unreachable: assume the stream exists; the tail waits for Redis (or ends from the database).
      const exists = await this.scale.redis.exists(this.scale.keys.events(generationId)).catch(() => 1);
      if (!exists) {
        const g = await this.prisma.generation.findUnique({ where: { id: generationId }, select: { status: true } });
        if (!g) return;
        if (TERMINAL_STATUS.has(g.status)) {
          yield* this.replayFromDatabase(generationId);
          return;
        }
      }
      tail = this.tails.get(generationId) ?? this.startTail(generationId);
    }
    yield* tail.log.subscribe(0, signal);
  }

  private startTail(generationId: string): Tail {
    // Blocking reads need their own connection; it waits through a Redis restart instead of failing.
    const conn = this.scale.redis.duplicate({ maxRetriesPerRequest: null });
    conn.on("error", () => {});
    const tail: Tail = { log: new EventLog(), abort: new AbortController(), conn };
    this.tails.set(generationId, tail);
    let terminalSeen = 0;
    const onIdle = async (seen: number): Promise<GqlGenerationEvent[] | null> => {
      const g = await this.prisma.generation
        .findUnique({ where: { id: generationId }, select: { status: true, error: true } })
        .catch(() => undefined);
      if (g === undefined) return null; // database unreachable: keep waiting
      if (g === null) return [{ kind: "FAILED", errorCode: "NOT_FOUND", message: "The generation was deleted." }];
      if (!TERMINAL_STATUS.has(g.status)) return null;
      // Ended in the database without its terminal event in the stream. Twice in a row, so a runner that
      // has just persisted the end and is about to write the event is not overtaken.
      if (++terminalSeen < 2) return null;
      if (seen === 0) {
        const events: GqlGenerationEvent[] = [];
        for await (const e of this.replayFromDatabase(generationId)) events.push(e.event);
        return events;
      }
      if (g.status === "FINISHED") return [{ kind: "FINISHED" }];
      if (g.status === "CANCELLED") return [{ kind: "CANCELLED" }];
      return [{ kind: "FAILED", errorCode: "GENERATION_FAILED", message: g.error ?? "Generation failed." }];
    };
    tailStream(conn, this.scale.keys.events(generationId), (e) => tail.log.append(e), tail.abort.signal, {
      blockMs: this.scale.tailBlockMs ?? 5000,
      onIdle,
    })
      .catch((err: unknown) => {
        if (tail.abort.signal.aborted) return;
        this.logger.error({ err, generationId }, "generation stream tail failed");
        tail.log.append({ kind: "FAILED", errorCode: "INTERNAL", message: "Lost the generation's event stream." });
      })
      .finally(() => {
        conn.disconnect();
        // Stopped by shutdown: the log stays open, so its subscribers are not told "complete" — their
        // sockets close next and graphql-ws clients resubscribe on another node.
        if (!tail.abort.signal.aborted && !tail.log.isClosed) tail.log.close();
        setTimeout(() => {
          if (this.tails.get(generationId) === tail) this.tails.delete(generationId);
        }, LOG_RETENTION_MS).unref();
      });
    return tail;
  }

  /** Runners own the jobs; a node going away only stops its tails (their subscribers reconnect elsewhere). */
  override async shutdown(): Promise<void> {
    this.accepting = false;
    if (this.reaper) clearInterval(this.reaper);
    for (const t of this.tails.values()) {
      t.abort.abort();
      t.conn.disconnect();
    }
  }
}
