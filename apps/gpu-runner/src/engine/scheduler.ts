import { isTerminalEvent } from "@tessera/shared";
import type { Bundle } from "../bundle/load-bundle.ts";
import { TokenSampler } from "../sampling/sampler.ts";
import { type Emit, Job, type JobSpec, type Slot } from "./job.ts";
import { emitPreviews, finishJob, type TagIndexSource } from "./job-output.ts";
import { createKvCache, type KvCache, type KvRowSource } from "./kv-cache.ts";
import { runPrior } from "./prior-forward.ts";

export interface SchedulerOptions {
  maxBatchRows: number;
  previewEveryRows: number;
  /** Zero-shot tags for finished candidates (`render/tagger.ts`); none when absent. */
  tagIndex?: TagIndexSource;
}

const NO_TAGS: TagIndexSource = async () => null;

export interface SchedulerStats {
  queued: number;
  activeJobs: number;
  activeRows: number;
  lastStepMs: number;
}

/**
 * Continuous batching over the prior. Every loop turn: drop cancelled jobs, admit waiting jobs (prefill,
 * then left-pad their cache into the batch), sample one token for every candidate, hand finished jobs to
 * decoding and CLIP, and run one batched forward for all remaining rows. A job that arrives mid-flight
 * joins at the next turn; its tokens don't depend on its neighbours because each row has its own mask,
 * positions and PRNG.
 */
export class Scheduler {
  private readonly pending: Job[] = [];
  /** Every job not yet ended, by id, so a cancel finds it even mid-prefill. */
  private readonly jobs = new Map<string, Job>();
  private slots: Slot[] = [];
  private readonly kv: KvCache;
  private readonly sampler: TokenSampler;
  private readonly total: number;
  private wake: (() => void) | null = null;
  private closed = false;
  private lastStepMs = 0;
  private readonly emit: Emit;
  readonly done: Promise<void>;

  constructor(
    private readonly bundle: Bundle,
    private readonly options: SchedulerOptions,
    emit: Emit,
    /** Called after every loop turn (for the Prometheus gauges); keep it cheap. */
    private readonly onTurn: (stats: SchedulerStats) => void = () => {},
  ) {
    const m = bundle.manifest;
    this.kv = createKvCache(m);
    this.sampler = new TokenSampler(m.prior.logitsSize);
    this.total = m.grid.rows * m.grid.cols;
    this.emit = (id, event) => {
      if (isTerminalEvent(event)) this.jobs.delete(id);
      emit(id, event);
    };
    this.done = this.loop();
  }

  submit(spec: JobSpec): void {
    const job = new Job(spec, this.total);
    this.jobs.set(spec.id, job);
    this.pending.push(job);
    this.kick();
  }

  /** Flags the job wherever it is (waiting, prefilling or decoding); the loop drops it before the next step. */
  cancel(id: string): void {
    const job = this.jobs.get(id);
    if (!job) return;
    job.cancelled = true;
    this.kick();
  }

  stats(): SchedulerStats {
    return {
      queued: this.pending.length,
      activeJobs: new Set(this.slots.map((s) => s.job)).size,
      activeRows: this.slots.length,
      lastStepMs: this.lastStepMs,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.kick();
    await this.done;
  }

  private kick(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      this.dropCancelled();
      if (this.slots.length === 0 && this.pending.length === 0) {
        this.onTurn(this.stats());
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        continue;
      }
      try {
        await this.admit();
        if (this.slots.length === 0) continue;
        const { previews, finished } = this.sampleAll();
        if (finished.length > 0) this.removeJobs(new Set(finished));
        for (const job of previews) await emitPreviews(this.bundle, job, this.emit);
        for (const job of finished) await finishJob(this.bundle, job, this.emit, this.options.tagIndex ?? NO_TAGS);
        if (this.slots.length > 0) await this.step();
      } catch (e) {
        // A failed forward leaves the batch unusable: fail everyone in it, keep serving new requests.
        this.failAll(e);
      }
      this.onTurn(this.stats());
    }
    for (const job of [...this.pending, ...new Set(this.slots.map((s) => s.job))]) {
      this.emit(job.spec.id, { type: "failed", code: "RUNNER_UNAVAILABLE", message: "The runner was shut down." });
    }
  }

  private dropCancelled(): void {
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const job = this.pending[i]!;
      if (job.cancelled) {
        this.pending.splice(i, 1);
        this.emit(job.spec.id, { type: "cancelled" });
      }
    }
    const cancelled = new Set(this.slots.filter((s) => s.job.cancelled).map((s) => s.job));
    if (cancelled.size === 0) return;
    this.removeJobs(cancelled);
    for (const job of cancelled) this.emit(job.spec.id, { type: "cancelled" });
  }

  private async admit(): Promise<void> {
    while (this.pending.length > 0) {
      const job = this.pending[0]!;
      // A job bigger than the limit still runs, alone, rather than waiting forever.
      if (this.slots.length > 0 && this.slots.length + job.rowsNeeded > this.options.maxBatchRows) return;
      this.pending.shift();
      try {
        await this.prefill(job);
      } catch (e) {
        this.emit(job.spec.id, { type: "failed", code: "GENERATION_FAILED", message: (e as Error).message });
      }
    }
  }

  /**
   * Prefills one caption (and the empty caption when guided) plus any kept image rows in one forward.
   * Every candidate starts from the same cache, so the prefill runs on 1–2 rows and is copied per candidate.
   */
  private async prefill(job: Job): Promise<void> {
    const m = this.bundle.manifest;
    const { textLength, imageTokenOffset, logitsSize } = m.prior;
    const keep = job.spec.keepTokens;
    const seq = textLength + keep.length;
    const captions = job.spec.guided ? [job.spec.textIds, job.spec.uncondIds] : [job.spec.textIds];
    const rows = captions.length;
    const ids = new BigInt64Array(rows * seq);
    const positions = new BigInt64Array(rows * seq);
    captions.forEach((caption, r) => {
      for (let k = 0; k < seq; k++) {
        ids[r * seq + k] = BigInt(k < textLength ? caption[k]! : imageTokenOffset + keep[k - textLength]!);
        positions[r * seq + k] = BigInt(k);
      }
    });
    const past = this.kv.prefill(rows, seq);
    const out = await runPrior(this.bundle.prior, m, rows, seq, ids, positions, past.mask, past.tensors, past.cols);
    job.admittedAt = performance.now();
    const sources: KvRowSource[] = this.slots.map((_, i) => this.kv.source(i));
    for (let c = 0; c < job.spec.n; c++) {
      for (let r = 0; r < rows; r++) {
        const slot: Slot = {
          job,
          candidate: c,
          uncond: r === 1,
          logits: out.logits.subarray(r * logitsSize, (r + 1) * logitsSize),
        };
        (r === 1 ? job.uncond : job.cond).push(slot);
        this.slots.push(slot);
        // Both layouts return the prefilled tokens' K/V as present.* here (nothing was cached before).
        sources.push({ tensors: out.present, cols: seq, row: r, realLen: seq });
      }
    }
    this.kv.rebuild(sources);
    if (keep.length > 0) {
      for (let c = 0; c < job.spec.n; c++)
        this.emit(job.spec.id, { type: "tokens", candidate: c, start: 0, tokens: keep });
    }
  }

  /** Samples the next token of every active candidate; reports jobs due a preview and jobs now complete. */
  private sampleAll(): { previews: Job[]; finished: Job[] } {
    const { cols } = this.bundle.manifest.grid;
    const previews: Job[] = [];
    const finished: Job[] = [];
    const jobs = new Set(this.slots.map((s) => s.job));
    for (const job of jobs) {
      for (let c = 0; c < job.spec.n; c++) {
        const uncond = job.spec.guided ? job.uncond[c]!.logits : null;
        job.tokens[c]![job.count] = this.sampler.sample(job.cond[c]!.logits, uncond, job.spec.settings, job.rngs[c]!);
      }
      job.count++;
      if (job.count % cols === 0) {
        const start = job.count - cols;
        for (let c = 0; c < job.spec.n; c++) {
          const tokens = Array.from(job.tokens[c]!.subarray(start, job.count));
          this.emit(job.spec.id, { type: "tokens", candidate: c, start, tokens });
        }
        if (job.firstRowAt === 0) job.firstRowAt = performance.now();
        const every = this.options.previewEveryRows;
        if (job.count < this.total && every > 0 && (job.count / cols) % every === 0) previews.push(job);
      }
      if (job.count === this.total) {
        job.decodedAt = performance.now();
        finished.push(job);
      }
    }
    return { previews, finished };
  }

  /** One batched forward: every row feeds its candidate's newest token at its own position. */
  private async step(): Promise<void> {
    const m = this.bundle.manifest;
    const rows = this.slots.length;
    const ids = new BigInt64Array(rows);
    const positions = new BigInt64Array(rows);
    this.slots.forEach((slot, r) => {
      const k = slot.job.count - 1;
      ids[r] = BigInt(m.prior.imageTokenOffset + slot.job.tokens[slot.candidate]![k]!);
      positions[r] = BigInt(m.prior.textLength + k);
    });
    const started = performance.now();
    const mask = this.kv.stepMask(1);
    const past = this.kv.past();
    const out = await runPrior(this.bundle.prior, m, rows, 1, ids, positions, mask, past.tensors, past.cols);
    this.lastStepMs = performance.now() - started;
    this.kv.advance(out.present, 1);
    const V = m.prior.logitsSize;
    this.slots.forEach((slot, r) => {
      slot.logits = out.logits.subarray(r * V, (r + 1) * V);
    });
    for (const job of new Set(this.slots.map((s) => s.job))) job.steps++;
  }

  /** Removes the jobs' rows (the concat layout also trims cache columns that no remaining row uses). */
  private removeJobs(jobs: Set<Job>): void {
    const keep: KvRowSource[] = [];
    const slots: Slot[] = [];
    this.slots.forEach((slot, i) => {
      if (jobs.has(slot.job)) return;
      slots.push(slot);
      keep.push(this.kv.source(i));
    });
    this.slots = slots;
    this.kv.rebuild(keep);
  }

  private failAll(e: unknown): void {
    const jobs = new Set(this.slots.map((s) => s.job));
    this.slots = [];
    this.kv.clear();
    for (const job of jobs) {
      this.emit(job.spec.id, { type: "failed", code: "GENERATION_FAILED", message: (e as Error).message });
    }
  }
}
