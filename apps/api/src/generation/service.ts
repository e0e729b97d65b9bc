/**
 * Generations end to end: validate, rate-limit, persist (QUEUED → RUNNING → FINISHED/FAILED/CANCELLED),
 * drive the engine, store candidates (tokens + PNG) and the CLIP ranking, and publish every event to the
 * generation's event log (replayable by seq) and board activity. A finished generation lives entirely in
 * the database, so `subscribe` after the log is gone replays it from there.
 */
import { randomInt } from "node:crypto";
import { EventEmitter, on } from "node:events";
import {
  blankControlChars,
  generationRequestSchema,
  isTesseraError,
  LIMITS,
  parsePromptMatrix,
  TesseraError,
} from "@tessera/shared";
import type { Logger } from "pino";
import { newId } from "../auth/index.ts";
import type { PrismaClient } from "../db/index.ts";
import { isDatabaseUnavailable } from "../db/unavailable.ts";
import type { BoardActivityBus } from "./board-activity.ts";
import type { GenerationEngine } from "./engine.ts";
import { EventLog, type Sequenced } from "./event-log.ts";
import { FairQueue } from "./fair-queue.ts";
import { type BoardQueue, Throughput } from "./queue-estimate.ts";
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
/** Batch rows the runner steps at once by default (its `maxBatchRows`): the queue dispatches up to this. */
const ENGINE_ROWS = 64;

/** A stored generation waiting its turn for the model (in-process). */
interface Waiting {
  id: string;
  boardId: string;
  userId: string;
  cardId: string;
  prompt: string;
  createdBy: string;
  n: number;
  rows: number;
  request: EngineRequest;
  log: EventLog<GqlGenerationEvent>;
  abort: AbortController;
  /** A prompt matrix's cells share this: they start together, in one batch (a matrix is one job). */
  groupId?: string;
}

export class GenerationService {
  private readonly logs = new Map<string, EventLog<GqlGenerationEvent>>();
  private readonly running = new Map<
    string,
    { abort: AbortController; done: Promise<void>; rows: number; n: number; boardId: string }
  >();
  /** Generations stored and waiting for the model, served fairly across boards and people (fair-queue.ts). */
  private readonly waiting: FairQueue<Waiting>;
  private readonly throughput = new Throughput();
  /** Each watched board's queue snapshot, emitted as "board:<id>" when anything in the queue moves. */
  private readonly queueEvents = new EventEmitter().setMaxListeners(0);
  private queueTimer: NodeJS.Timeout | null = null;
  protected accepting = true;

  constructor(
    protected readonly prisma: PrismaClient,
    protected readonly engine: GenerationEngine,
    protected readonly activity: BoardActivityBus,
    protected readonly logger: Logger,
    protected readonly maxInFlight = 32,
    protected readonly metrics: GenerationMetrics = {},
    protected readonly limiter: Limiter = new RateLimiter(LIMITS.generationsPerMinute, 60_000),
    queueOptions: { fifo?: boolean } = {},
  ) {
    this.waiting = new FairQueue<Waiting>(queueOptions.fifo ? "fifo" : "fair");
  }

  /** Generations accepted and not finished: running on the model and waiting for it. */
  inFlight(): number {
    return this.running.size + this.waiting.size;
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
    const { request, seed } = await this.admit(input, 1);
    const model = this.engine.model();
    const generation = await this.prisma.generation.create({ data: this.generationRow(input, request, seed, model) });
    await this.launch(generation, request);
    this.started(generation);
    return generation;
  }

  /**
   * A prompt matrix (issue 17 item 4): `prompt` holds {a|b} alternatives, every combination is a generation of
   * `n` (a cell). Stored together in one transaction, queued as one job: the cells start together and run in
   * the same batch of the model. Counts once against the rate limit; each cell counts as a waiting generation.
   */
  async startMatrix(input: StartInput) {
    const parsed = parsePromptMatrix(blankControlChars(input.prompt));
    if (!parsed.ok) throw new TesseraError("BAD_USER_INPUT", parsed.message);
    const matrix = parsed.matrix;
    if (!matrix) {
      throw new TesseraError("BAD_USER_INPUT", "A matrix needs alternatives in braces, like “a {red|blue} apple”.");
    }
    if (matrix.cells.length * input.n > LIMITS.matrixCandidatesMax) {
      throw new TesseraError(
        "BAD_USER_INPUT",
        `${matrix.cells.length} cells × ${input.n} images is more than ${LIMITS.matrixCandidatesMax}: ask for fewer images per cell or fewer alternatives.`,
      );
    }
    // One seed for every cell unless given: the grid then differs only by its words.
    const seed = input.seed ?? randomInt(0, LIMITS.seedMax);
    const cells = matrix.cells.map((c) => ({ cell: c, input: { ...input, prompt: c.prompt, seed } }));
    // Every cell is checked before anything is stored: one bad cell stores nothing.
    const admitted: Awaited<ReturnType<GenerationService["admit"]>>[] = [];
    for (const [i, c] of cells.entries()) {
      admitted.push(await this.admit(c.input, matrix.cells.length, i === 0 ? "take" : "skip"));
    }
    const model = this.engine.model();
    const matrixId = newId();
    const rows = cells.map((c, i) => ({
      ...this.generationRow(c.input, admitted[i]!.request, admitted[i]!.seed, model),
      matrixId,
      matrixCell: i,
    }));
    const [stored, created] = await this.prisma.$transaction([
      this.prisma.promptMatrix.create({
        data: {
          id: matrixId,
          boardId: input.boardId,
          cardId: input.cardId,
          template: blankControlChars(input.prompt).normalize("NFC").trim(),
          createdById: input.userId,
        },
      }),
      this.prisma.generation.createManyAndReturn({ data: rows }),
    ]);
    const generations = [...created].sort((a, b) => (a.matrixCell ?? 0) - (b.matrixCell ?? 0));
    await this.launchGroup(generations.map((g, i) => ({ generation: g, request: admitted[i]!.request })));
    for (const g of generations) this.started(g);
    return { matrix: stored, generations };
  }

  /**
   * Checks a request and takes its place: valid, room on the server (`slots` more generations) and in the
   * caller's waiting share, within the rate limit (`limit: "skip"` for a matrix's later cells: one job).
   */
  private async admit(input: StartInput, slots: number, limit: "take" | "skip" = "take") {
    if (!this.accepting) throw new TesseraError("RUNNER_UNAVAILABLE", "The server is shutting down.");
    const seed = input.seed ?? randomInt(0, LIMITS.seedMax);
    const params = Object.fromEntries(
      Object.entries(input.params ?? {}).filter(([, v]) => v !== null && v !== undefined),
    );
    const parsed = generationRequestSchema.safeParse({
      prompt: blankControlChars(input.prompt),
      n: input.n,
      seed,
      params,
      ...(input.source ? { source: { tokens: input.source.tokens, keepRows: input.source.keepRows } } : {}),
    });
    if (!parsed.success) {
      throw new TesseraError("BAD_USER_INPUT", parsed.error.issues.map((i) => i.message).join("; "));
    }
    if (limit === "take") {
      if (await this.isFull(slots)) throw new TesseraError("QUEUE_FULL");
      if (this.waitingFor(input.userId) >= LIMITS.queuedPerUserMax) {
        throw new TesseraError(
          "QUEUE_FULL",
          `You have ${LIMITS.queuedPerUserMax} generations waiting: cancel one or wait for one to start.`,
        );
      }
      if (!(await this.limiter.take(input.userId))) throw new TesseraError("RATE_LIMITED");
    }
    return { request: parsed.data, seed };
  }

  private generationRow(
    input: StartInput,
    request: EngineRequest,
    seed: number,
    model: ReturnType<GenerationEngine["model"]>,
  ) {
    return {
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
    };
  }

  private started(generation: GenerationRow): void {
    this.activity.publish({
      boardId: generation.boardId,
      kind: "GENERATION_STARTED",
      generationId: generation.id,
      cardId: generation.cardId,
      status: "QUEUED",
    });
  }

  /** Whether another generation would exceed the in-flight cap (QUEUE_FULL). */
  protected async isFull(slots = 1): Promise<boolean> {
    return this.inFlight() + slots > this.maxInFlight;
  }

  /** How many of this person's generations wait for the model here (scaled out: none are held here). */
  protected waitingFor(userId: string): number {
    return this.waiting.countOf(userId);
  }

  /**
   * Queues the stored generation for the in-process engine: it waits its fair turn (round-robin across
   * boards, then people) and runs once the model has batch rows for it. Scaled out, it goes to the job queue.
   */
  protected async launch(generation: GenerationRow, request: EngineRequest): Promise<void> {
    await this.launchGroup([{ generation, request }]);
  }

  /**
   * Queues generations that start together (a matrix's cells): pushed in one go, after the only await, so no
   * pump in between can start part of them; `pump` then starts the group at once (one batch of the model).
   */
  protected async launchGroup(items: { generation: GenerationRow; request: EngineRequest }[]): Promise<void> {
    const first = items[0];
    if (!first) return;
    const createdBy = await this.starterName(first.generation);
    const groupId = items.length > 1 ? first.generation.id : undefined;
    for (const { generation, request } of items) {
      const log = new EventLog<GqlGenerationEvent>();
      this.logs.set(generation.id, log);
      const guidance = request.params?.guidanceScale ?? this.engine.model().defaults.guidanceScale;
      this.waiting.push({
        id: generation.id,
        boardId: generation.boardId,
        userId: generation.createdById,
        cardId: generation.cardId,
        prompt: generation.prompt,
        createdBy,
        n: generation.n,
        rows: generation.n * (guidance === 0 || guidance === 1 ? 1 : 2),
        request,
        log,
        abort: new AbortController(),
        ...(groupId ? { groupId } : {}),
      });
    }
    this.pump();
    this.queueChanged();
  }

  /** Who started a generation, as its queue entry names them. */
  protected async starterName(generation: GenerationRow): Promise<string> {
    const user = await this.prisma.user
      .findUnique({ where: { id: generation.createdById }, select: { displayName: true } })
      .catch(() => null);
    return user?.displayName ?? "Someone";
  }

  /**
   * Starts waiting generations in their fair order while the model has batch rows free. A matrix's cells
   * (one job) start together, when the model has rows for all of them.
   */
  private pump(): void {
    for (;;) {
      const next = this.waiting.peek();
      if (!next) return;
      const batch = next.groupId ? this.waiting.order().filter((w) => w.groupId === next.groupId) : [next];
      let busyRows = 0;
      for (const r of this.running.values()) busyRows += r.rows;
      const rows = batch.reduce((n, w) => n + w.rows, 0);
      if (this.running.size > 0 && busyRows + rows > ENGINE_ROWS) return;
      // The head leaves by shift (the round-robin turn moves on); the rest of its group by id.
      this.waiting.shift();
      for (const w of batch) {
        if (w !== next) this.waiting.remove(w.id);
        if (this.running.size === 0) this.throughput.busy(true);
        const done = this.run(w.id, w.boardId, w.cardId, w.request, w.log, w.abort.signal).catch((e) =>
          this.logger.error({ err: e, generationId: w.id }, "generation run crashed"),
        );
        this.running.set(w.id, { abort: w.abort, done, rows: w.rows, n: w.n, boardId: w.boardId });
      }
    }
  }

  cancel(generationId: string): boolean {
    const queued = this.waiting.remove(generationId);
    if (queued) {
      queued.log.append({ kind: "CANCELLED" });
      queued.log.close();
      setTimeout(() => this.logs.delete(generationId), LOG_RETENTION_MS).unref();
      this.storeEnd(generationId, "CANCELLED", null).catch((err: unknown) =>
        this.logger.error({ err, generationId }, "could not store a queued generation's cancel"),
      );
      this.activity.publish({
        boardId: queued.boardId,
        kind: "GENERATION_FINISHED",
        generationId,
        cardId: queued.cardId,
        status: "CANCELLED",
      });
      this.queueChanged();
      return true;
    }
    const r = this.running.get(generationId);
    if (!r) return false;
    r.abort.abort();
    return true;
  }

  /**
   * This board's place in the server's queue: its waiting generations with their position among all
   * waiting ones (1 = next) and an estimate of when each starts, from the model's measured throughput.
   */
  queueFor(boardId: string, order = this.waiting.order()): BoardQueue {
    const running = [...this.running.values()];
    const rate = this.throughput.perMs();
    // Running generations are taken as half done: their progress is not tracked here.
    let ahead = running.reduce((k, r) => k + r.n / 2, 0);
    const entries: BoardQueue["entries"] = [];
    order.forEach((w, i) => {
      if (w.boardId === boardId)
        entries.push({
          generationId: w.id,
          cardId: w.cardId,
          prompt: w.prompt,
          createdBy: w.createdBy,
          createdById: w.userId,
          position: i + 1,
          etaMs: rate ? Math.round(ahead / rate) : null,
        });
      ahead += w.n;
    });
    return { boardId, entries, waiting: order.length, running: running.length };
  }

  /** This board's queue (scaled out, read from the shared job queue). */
  async boardQueue(boardId: string): Promise<BoardQueue> {
    return this.queueFor(boardId);
  }

  /** The board's queue now, then again whenever it moves (coalesced: a slow reader gets the latest). */
  async *subscribeQueue(boardId: string, signal: AbortSignal): AsyncGenerator<BoardQueue> {
    yield this.queueFor(boardId);
    try {
      for await (const [snapshot] of on(this.queueEvents, `board:${boardId}`, { signal })) yield snapshot as BoardQueue;
    } catch (e) {
      if (!signal.aborted) throw e;
    }
  }

  /** Tells every board someone watches where it stands in the queue (the server's totals changed too). */
  protected queueChanged(): void {
    // Coalesced per tick of 100 ms: a burst of starts and finishes is one update per board.
    this.queueTimer ??= setTimeout(() => {
      this.queueTimer = null;
      const order = this.waiting.order();
      // Events are named "board:<id>" (`on` also listens for "error", which must never be emitted here).
      for (const name of this.queueEvents.eventNames()) {
        if (typeof name === "string" && name.startsWith("board:"))
          this.queueEvents.emit(name, this.queueFor(name.slice(6), order));
      }
    }, 100);
    this.queueTimer.unref?.();
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
      const r = this.running.get(id);
      this.running.delete(id);
      if (status === "FINISHED" && r) this.throughput.finished(r.n);
      if (this.running.size === 0) this.throughput.busy(false);
      this.pump();
      this.queueChanged();
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
    // The queue keeps draining during the grace period: accepted generations are in flight too.
    const deadline = Date.now() + graceMs;
    while ((this.running.size > 0 || this.waiting.size > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    // What has not started by now never will: each waiting one ends with a reason, then the rest are cancelled.
    for (let w = this.waiting.shift(); w; w = this.waiting.shift()) {
      const message = "The server was shutting down before this generation could start. Please generate again.";
      w.log.append({ kind: "FAILED", errorCode: "RUNNER_UNAVAILABLE", message });
      w.log.close();
      await this.storeEnd(w.id, "FAILED", message, 5_000).catch(() => {});
    }
    for (const r of this.running.values()) r.abort.abort();
    await Promise.all([...this.running.values()].map((r) => r.done));
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
