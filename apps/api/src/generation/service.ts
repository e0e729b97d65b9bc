/**
 * Generations end to end: validate, rate-limit, persist (QUEUED → RUNNING → FINISHED/FAILED/CANCELLED),
 * drive the engine, store candidates (tokens + PNG) and the CLIP ranking, and publish every event to the
 * generation's event log (replayable by seq) and board activity. A finished generation lives entirely in
 * the database, so `subscribe` after the log is gone replays it from there.
 */
import { randomInt } from "node:crypto";
import { generationRequestSchema, isTesseraError, LIMITS, TesseraError } from "@tessera/shared";
import type { Logger } from "pino";
import { newId } from "../auth/index.ts";
import type { PrismaClient } from "../db/index.ts";
import { isDatabaseUnavailable } from "../db/unavailable.ts";
import type { BoardActivityBus } from "./board-activity.ts";
import type { GenerationEngine } from "./engine.ts";
import { EventLog, type Sequenced } from "./event-log.ts";
import { type Limiter, RateLimiter } from "./rate-limit.ts";
import { finishGeneration, recordAndPublish, type TerminalStatus } from "./record-event.ts";
import { type GqlGenerationEvent, pngDataUrl } from "./to-gql-event.ts";

export interface StartInput {
  userId: string;
  boardId: string;
  cardId: string;
  prompt: string;
  n: number;
  params?: {
    temperature?: number | null;
    topK?: number | null;
    topP?: number | null;
    guidanceScale?: number | null;
    negativePrompt?: string | null;
  };
  seed?: number | null;
  source?: { candidateId: string; tokens: number[]; keepRows: number };
}

export interface GenerationMetrics {
  onEvent?(type: string): void;
  onFinished?(status: string, totalMs: number): void;
}

export type GenerationRow = Awaited<ReturnType<PrismaClient["generation"]["create"]>>;
export type EngineRequest = Parameters<GenerationEngine["generate"]>[0];

const LOG_RETENTION_MS = 60_000;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

export class GenerationService {
  private readonly logs = new Map<string, EventLog<GqlGenerationEvent>>();
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  protected accepting = true;

  constructor(
    protected readonly prisma: PrismaClient,
    protected readonly engine: GenerationEngine,
    protected readonly activity: BoardActivityBus,
    protected readonly logger: Logger,
    protected readonly maxInFlight = 32,
    protected readonly metrics: GenerationMetrics = {},
    protected readonly limiter: Limiter = new RateLimiter(LIMITS.generationsPerMinute, 60_000),
  ) {}

  inFlight(): number {
    return this.running.size;
  }

  /**
   * Generations left QUEUED/RUNNING that this process is not running can never finish; mark them failed. At
   * boot that is every one (a crash left them); while running, those older than a minute that no run owns
   * (their end could not be stored, e.g. the database went away, and every retry gave up).
   */
  async reapStale(): Promise<number> {
    const r = await this.prisma.generation.updateMany({
      where: {
        status: { in: ["QUEUED", "RUNNING"] },
        id: { notIn: [...this.running.keys()] },
        createdAt: { lt: new Date(Date.now() - (this.booted ? 60_000 : 0)) },
      },
      data: { status: "FAILED", error: "The server restarted during this generation.", finishedAt: new Date() },
    });
    this.booted = true;
    return r.count;
  }

  private booted = false;
  private staleTimer: NodeJS.Timeout | null = null;

  /** Also every `everyMs` while the process runs, not only at boot. */
  startReaper(everyMs = 15_000): void {
    this.staleTimer ??= setInterval(() => {
      this.reapStale().then(
        (n) => n && this.logger.warn({ reaped: n }, "marked generations that could not end as failed"),
        (err: unknown) => this.logger.warn({ err }, "reaper failed"),
      );
    }, everyMs).unref();
  }

  protected stopReaper(): void {
    if (this.staleTimer) clearInterval(this.staleTimer);
    this.staleTimer = null;
  }

  /**
   * Stores a generation's end, retrying while the database is unavailable (every second, for up to
   * `retryForMs`): subscribers were already told, and the row must not stay RUNNING once PostgreSQL is back.
   */
  protected async storeEnd(
    id: string,
    status: TerminalStatus,
    error: string | null,
    retryForMs = 300_000,
  ): Promise<void> {
    const until = Date.now() + retryForMs;
    for (;;) {
      try {
        await finishGeneration(this.prisma, id, status, error, null);
        return;
      } catch (e) {
        if (!isDatabaseUnavailable(e) || Date.now() > until) throw e;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  async start(input: StartInput) {
    if (!this.accepting) throw new TesseraError("RUNNER_UNAVAILABLE", "The server is shutting down.");
    const seed = input.seed ?? randomInt(0, LIMITS.seedMax);
    const params = Object.fromEntries(
      Object.entries(input.params ?? {}).filter(([, v]) => v !== null && v !== undefined),
    );
    const parsed = generationRequestSchema.safeParse({
      // Control characters mean nothing to the tokenizer and PostgreSQL text can't hold NUL: spaces instead.
      prompt: typeof input.prompt === "string" ? input.prompt.replace(CONTROL_CHARS, " ") : input.prompt,
      n: input.n,
      seed,
      params,
      ...(input.source ? { source: { tokens: input.source.tokens, keepRows: input.source.keepRows } } : {}),
    });
    if (!parsed.success) {
      throw new TesseraError("BAD_USER_INPUT", parsed.error.issues.map((i) => i.message).join("; "));
    }
    if (await this.isFull()) throw new TesseraError("QUEUE_FULL");
    if (!(await this.limiter.take(input.userId))) throw new TesseraError("RATE_LIMITED");
    const model = this.engine.model();
    const request = parsed.data;
    const generation = await this.prisma.generation.create({
      data: {
        id: newId(),
        boardId: input.boardId,
        cardId: input.cardId,
        prompt: request.prompt,
        n: request.n,
        seed,
        params: { ...model.defaults, ...request.params, n: undefined },
        modelName: model.name,
        modelVersion: model.version,
        unknownWords: [],
        sourceCandidateId: input.source?.candidateId ?? null,
        keepRows: input.source?.keepRows ?? null,
        createdById: input.userId,
      },
    });
    await this.launch(generation, request);
    this.activity.publish({
      boardId: generation.boardId,
      kind: "GENERATION_STARTED",
      generationId: generation.id,
      cardId: generation.cardId,
      status: "QUEUED",
    });
    return generation;
  }

  /** Whether another generation would exceed the in-flight cap (QUEUE_FULL). */
  protected async isFull(): Promise<boolean> {
    return this.running.size >= this.maxInFlight;
  }

  /** Runs the stored generation: here, on the in-process engine; scaled out, through the job queue. */
  protected async launch(generation: GenerationRow, request: EngineRequest): Promise<void> {
    const log = new EventLog<GqlGenerationEvent>();
    this.logs.set(generation.id, log);
    const abort = new AbortController();
    const done = this.run(generation.id, generation.boardId, generation.cardId, request, log, abort.signal).catch((e) =>
      this.logger.error({ err: e, generationId: generation.id }, "generation run crashed"),
    );
    this.running.set(generation.id, { abort, done });
  }

  cancel(generationId: string): boolean {
    const r = this.running.get(generationId);
    if (!r) return false;
    r.abort.abort();
    return true;
  }

  private async run(
    id: string,
    boardId: string,
    cardId: string,
    request: Parameters<GenerationEngine["generate"]>[0],
    log: EventLog<GqlGenerationEvent>,
    signal: AbortSignal,
  ): Promise<void> {
    const t0 = Date.now();
    let status: TerminalStatus = "FAILED";
    try {
      status =
        (await recordAndPublish({
          prisma: this.prisma,
          generationId: id,
          events: this.engine.generate(request, { signal }),
          publish: (e) => log.append(e),
          onEvent: (e) => this.metrics.onEvent?.(e.type),
          onRecorded: (e) => {
            if (e.type === "ranking")
              this.activity.publish({ boardId, kind: "RANKING_CHANGED", generationId: id, cardId });
          },
        })) ?? "FAILED";
    } catch (e) {
      const cancelled = signal.aborted;
      status = cancelled ? "CANCELLED" : "FAILED";
      const failure = userFacingFailure(e);
      if (!cancelled) this.logger.error({ err: e, generationId: id }, "generation failed");
      // Subscribers hear the end first: the database may be what failed, and they must not wait for it.
      log.append(cancelled ? { kind: "CANCELLED" } : { kind: "FAILED", ...failure });
      log.close(); // their streams end now, not when the database lets the end be stored
      await this.storeEnd(id, status, cancelled ? null : failure.message);
    } finally {
      log.close();
      this.running.delete(id);
      this.metrics.onFinished?.(status, Date.now() - t0);
      this.activity.publish({ boardId, kind: "GENERATION_FINISHED", generationId: id, cardId, status });
      setTimeout(() => this.logs.delete(id), LOG_RETENTION_MS).unref();
    }
  }

  /**
   * Every event of the generation from seq 0, then live ones; from the database once the log is gone.
   * The log's own iterator, not a generator around it: each layer costs every watcher a hop per event.
   */
  subscribe(generationId: string, signal: AbortSignal): AsyncGenerator<Sequenced<GqlGenerationEvent>> {
    const log = this.logs.get(generationId);
    return log ? log.subscribe(0, signal) : this.replayFromDatabase(generationId);
  }

  protected async *replayFromDatabase(generationId: string): AsyncGenerator<Sequenced<GqlGenerationEvent>> {
    const g = await this.prisma.generation.findUnique({
      where: { id: generationId },
      include: { candidates: { orderBy: { index: "asc" } } },
    });
    if (!g) return;
    const events: GqlGenerationEvent[] = [{ kind: "STARTED", n: g.n, unknownWords: g.unknownWords }];
    if (g.candidates.length > 0) {
      events.push({
        kind: "CANDIDATES_FINISHED",
        finished: g.candidates.map((c) => ({
          candidate: c.index,
          candidateId: c.id,
          tokens: c.tokens,
          image: c.png ? pngDataUrl(c.png) : null,
        })),
      });
    }
    const ranked = g.candidates.filter((c) => c.rank !== null && c.clipScore !== null);
    if (ranked.length > 0) {
      events.push({
        kind: "RANKING",
        ranking: ranked.map((c) => ({ candidate: c.index, score: c.clipScore!, rank: c.rank! })),
      });
    }
    if (g.status === "FINISHED")
      events.push({ kind: "FINISHED", ...(g.timings ? { timings: g.timings as never } : {}) });
    else if (g.status === "CANCELLED") events.push({ kind: "CANCELLED" });
    else if (g.status === "FAILED")
      events.push({ kind: "FAILED", errorCode: "GENERATION_FAILED", message: g.error ?? "" });
    let seq = 0;
    for (const event of events) yield { seq: seq++, event };
  }

  /** Graceful shutdown: refuse new work, give in-flight generations `graceMs`, then cancel the rest. */
  async shutdown(graceMs: number): Promise<void> {
    this.accepting = false;
    this.stopReaper();
    const all = () => Promise.all([...this.running.values()].map((r) => r.done));
    const timedOut = await Promise.race([
      all().then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref()),
    ]);
    if (timedOut) {
      for (const r of this.running.values()) r.abort.abort();
      await all();
    }
  }
}

/**
 * What a person is told when a generation fails: a TesseraError's own sentence, a readable one for a lost
 * database, otherwise a generic one. Internals (Prisma's messages, stack traces) go to the log only.
 */
export function userFacingFailure(e: unknown): { errorCode: string; message: string } {
  if (isTesseraError(e)) return { errorCode: e.code, message: e.message };
  if (isDatabaseUnavailable(e)) {
    return {
      errorCode: "DATABASE_UNAVAILABLE",
      message: "The database was unavailable while this image was being made. Please generate again.",
    };
  }
  return { errorCode: "GENERATION_FAILED", message: "Generation failed on the server. Please try again." };
}
