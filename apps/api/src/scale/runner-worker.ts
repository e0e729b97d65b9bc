/**
 * A runner process's BullMQ worker: takes generation jobs, drives the in-process runner (continuous
 * batching across the `concurrency` jobs it holds at once), persists every event's effect in PostgreSQL
 * and then appends the event to the generation's Redis stream. Persisting here, not on an API node,
 * means any API node can die without losing a generation.
 *
 * Exactly once: a job whose runner died (kill -9 → its lock expires → BullMQ's stalled-job check puts it
 * back) is run again from the start by another runner. The new attempt claims the stream, writes a
 * RESTARTED event, and rewrites the same candidate rows (upsert on (generationId, index)), so the
 * database never holds more than n candidates and subscribers see RESTARTED, then the complete result.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { type Job, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { PrismaClient } from "../db/index.ts";
import type { GenerationEngine } from "../generation/engine.ts";
import { finishGeneration, recordAndPublish, type TerminalStatus } from "../generation/record-event.ts";
import type { GenerationMetrics } from "../generation/service.ts";
import type { GqlGenerationEvent } from "../generation/to-gql-event.ts";
import { publishActivity } from "./activity-bus.ts";
import { advanceFairClock } from "./fair-priority.ts";
import { GenerationStreamWriter, NotOwnerError, TERMINAL_KINDS } from "./generation-stream.ts";
import { GENERATION_QUEUE, type GenerationJobData } from "./queue.ts";
import type { RedisKeys } from "./redis.ts";
import { announceModel } from "./remote-engine.ts";

export interface RunnerWorkerOptions {
  /** Commands on it wait through Redis restarts (`connectRedis(url, { mode: "wait" })`). */
  redis: Redis;
  keys: RedisKeys;
  prisma: PrismaClient;
  engine: GenerationEngine;
  logger: Logger;
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** How long a finished generation's stream stays in Redis. */
  streamRetentionMs?: number;
  name?: string;
  metrics?: GenerationMetrics;
}

export interface RunnerWorker {
  name: string;
  worker: Worker<GenerationJobData>;
  /** Generations this process is running now. */
  active(): number;
  /**
   * Stop taking jobs and wait for the running ones, at most `graceMs`; past that they are left to their
   * lock: once it expires another runner restarts them (a drained runner does not cancel users' work).
   */
  close(graceMs?: number): Promise<void>;
}

const TERMINAL_STATUS = new Set(["FINISHED", "FAILED", "CANCELLED"]);

export async function startRunnerWorker(o: RunnerWorkerOptions): Promise<RunnerWorker> {
  const name = o.name ?? `${hostname()}-${process.pid}`;
  const log = o.logger.child({ component: "runner-worker", runner: name });
  const retention = o.streamRetentionMs ?? 60_000;
  const running = new Map<string, AbortController>();

  await announceModel(o.redis, o.keys.model, o.engine);

  // Cancellation reaches every runner; the one holding the job aborts it.
  const sub = o.redis.duplicate();
  sub.on("error", () => {});
  sub.on("message", (channel: string, generationId: string) => {
    if (channel === o.keys.cancelChannel) running.get(generationId)?.abort();
  });
  await sub.subscribe(o.keys.cancelChannel);

  const activity = (boardId: string, cardId: string, generationId: string, status?: TerminalStatus) =>
    publishActivity(
      o.redis,
      o.keys.activityChannel,
      status
        ? { boardId, kind: "GENERATION_FINISHED", generationId, cardId, status }
        : { boardId, kind: "RANKING_CHANGED", generationId, cardId },
      log,
    );

  async function runJob(job: Job<GenerationJobData>): Promise<string> {
    const { generationId: id, boardId, cardId, request } = job.data;
    // Later arrivals take their fair turn from this job's (fair-priority.ts).
    await advanceFairClock(o.redis, o.keys, job.opts.priority).catch(() => {});
    const writer = new GenerationStreamWriter(o.redis, o.keys, id, `${name}:${job.attemptsStarted}:${randomUUID()}`);
    const before = await writer.claim();
    if (before.last && TERMINAL_KINDS.has(before.last.kind)) return "already ended";
    const row = await o.prisma.generation.findUnique({ where: { id }, select: { status: true, error: true } });
    if (!row) return "deleted";
    if (TERMINAL_STATUS.has(row.status)) {
      // Persisted as ended by an attempt that died before writing the event: write it now.
      await writer.append(
        row.status === "FINISHED"
          ? { kind: "FINISHED" }
          : row.status === "CANCELLED"
            ? { kind: "CANCELLED" }
            : { kind: "FAILED", errorCode: "GENERATION_FAILED", message: row.error ?? "" },
      );
      await writer.retire(retention);
      return "already ended";
    }
    if (before.length > 0) {
      log.warn({ generationId: id, attempt: job.attemptsStarted, eventsBefore: before.length }, "restarting");
      await writer.append({
        kind: "RESTARTED",
        message: "The runner working on this generation stopped; it starts again on another runner.",
      });
    }
    log.info({ generationId: id, attempt: job.attemptsStarted }, "generation taken");
    const abort = new AbortController();
    running.set(id, abort);
    if (await o.redis.exists(o.keys.cancelled(id))) abort.abort();
    let status: TerminalStatus = "FAILED";
    let owner = true;
    const t0 = Date.now();
    try {
      status =
        (await recordAndPublish({
          prisma: o.prisma,
          generationId: id,
          events: o.engine.generate(request, { signal: abort.signal }),
          publish: (e) => writer.append(e),
          onEvent: (e) => o.metrics?.onEvent?.(e.type),
          onRecorded: (e) => {
            if (e.type === "ranking") activity(boardId, cardId, id);
          },
        })) ?? "FAILED";
    } catch (e) {
      if (e instanceof NotOwnerError) {
        // Another runner took the job over (this one was presumed dead): it owns the result now.
        owner = false;
        abort.abort();
        log.warn({ generationId: id }, "job taken over by another runner; stopping");
        return "taken over";
      }
      status = abort.signal.aborted ? "CANCELLED" : "FAILED";
      const message = e instanceof Error ? e.message : String(e);
      if (status === "FAILED") log.error({ err: e, generationId: id }, "generation failed");
      // The end is announced even when it cannot be stored (database down): the row is then left to the
      // API nodes' reaper, which fails generations whose job is gone or failed.
      await finishGeneration(o.prisma, id, status, status === "FAILED" ? message : null, null).catch((err: unknown) =>
        log.error({ err, generationId: id }, "could not store the generation's end"),
      );
      const event: GqlGenerationEvent =
        status === "CANCELLED"
          ? { kind: "CANCELLED" }
          : { kind: "FAILED", errorCode: "GENERATION_FAILED", message: "Generation failed." };
      await writer.append(event);
    } finally {
      running.delete(id);
      if (owner) {
        o.metrics?.onFinished?.(status, Date.now() - t0);
        activity(boardId, cardId, id, status);
        await writer.retire(retention).catch(() => {});
      }
    }
    return status;
  }

  const worker = new Worker<GenerationJobData>(GENERATION_QUEUE, runJob, {
    connection: o.redis,
    prefix: o.keys.bull,
    concurrency: o.concurrency,
    lockDuration: o.lockDurationMs,
    stalledInterval: o.stalledIntervalMs,
    // A job may lose its runner twice (kill -9, OOM) before it is given up as failed.
    maxStalledCount: 2,
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 24 * 3600 },
    name,
  });
  worker.on("error", (err) => log.warn({ err }, "worker error"));
  // The processor threw before it could record an end: the generation must not stay RUNNING for ever.
  // (A job failed for stalling too often is failed by a stalled check, which emits no "failed" here; the
  // API nodes' periodic reaper marks its generation FAILED.)
  worker.on("failed", (job, err) => {
    if (!job) return;
    log.error({ err, generationId: job.data.generationId }, "generation job failed");
    void failGivenUp(job.data, err.message).catch((e: unknown) => log.error({ err: e }, "could not record failure"));
  });

  async function failGivenUp(data: GenerationJobData, reason: string): Promise<void> {
    const r = await o.prisma.generation.updateMany({
      where: { id: data.generationId, status: { in: ["QUEUED", "RUNNING"] } },
      data: { status: "FAILED", error: reason, finishedAt: new Date() },
    });
    if (r.count === 0) return;
    const writer = new GenerationStreamWriter(o.redis, o.keys, data.generationId, `${name}:failed:${randomUUID()}`);
    await writer.claim();
    await writer.append({ kind: "FAILED", errorCode: "GENERATION_FAILED", message: "Generation failed." });
    await writer.retire(retention);
    activity(data.boardId, data.cardId, data.generationId, "FAILED");
  }

  await worker.waitUntilReady();
  log.info({ concurrency: o.concurrency, model: o.engine.model().name }, "runner worker ready");

  return {
    name,
    worker,
    active: () => running.size,
    async close(graceMs = 7000) {
      const closing = worker.close();
      const timedOut = await Promise.race([
        closing.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref()),
      ]);
      if (timedOut) log.warn({ left: running.size }, "jobs left for other runners to restart");
      sub.disconnect();
    },
  };
}
