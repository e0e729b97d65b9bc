import type { GenerationTimings, RunnerEvent } from "@tessera/shared";
import { CandidateRng } from "../sampling/prng.ts";
import type { SamplingSettings } from "../sampling/sampler.ts";

/** What the engine needs to run one generation; built and validated by the Runner on the main thread. */
export interface JobSpec {
  id: string;
  n: number;
  seed: number;
  /** Framed caption ids (textLength). */
  textIds: number[];
  /** The guidance stream's caption: empty, or the negative prompt ("without …") when one was given. */
  uncondIds: number[];
  /** The negative prompt's caption ids, when one was given: CLIP's ranking subtracts similarity to it. */
  negativeIds?: number[];
  settings: SamplingSettings;
  /** Run unconditional rows for classifier-free guidance (false for guidanceScale 0 or 1). */
  guided: boolean;
  /** Image completion: codes of the kept leading rows (raster order), the same for every candidate. */
  keepTokens: number[];
}

/** One batch row of the prior: the conditional or unconditional stream of one candidate. */
export interface Slot {
  job: Job;
  candidate: number;
  uncond: boolean;
  /** Logits for this row's next token, a view into the last forward's output. */
  logits: Float32Array;
}

export type Emit = (jobId: string, event: RunnerEvent) => void;

/** A generation's state inside the engine: its candidates' tokens, PRNGs, slots and timestamps. */
export class Job {
  readonly tokens: Int32Array[];
  readonly rngs: CandidateRng[];
  readonly cond: Slot[] = [];
  readonly uncond: Slot[] = [];
  /** Tokens per candidate so far (kept ones included); all candidates advance together. */
  count: number;
  cancelled = false;
  steps = 0;
  readonly enqueuedAt = performance.now();
  admittedAt = 0;
  firstRowAt = 0;
  decodedAt = 0;

  constructor(
    readonly spec: JobSpec,
    readonly total: number,
  ) {
    this.tokens = Array.from({ length: spec.n }, () => new Int32Array(total));
    this.rngs = Array.from({ length: spec.n }, (_, c) => new CandidateRng(spec.seed, c));
    for (const t of this.tokens) t.set(spec.keepTokens);
    this.count = spec.keepTokens.length;
  }

  get rowsNeeded(): number {
    return this.spec.n * (this.spec.guided ? 2 : 1);
  }

  timings(rankMs: number): GenerationTimings {
    const now = performance.now();
    const ms = (x: number) => Math.round(x * 10) / 10;
    return {
      queuedMs: ms(this.admittedAt - this.enqueuedAt),
      firstRowMs: ms((this.firstRowAt || now) - this.enqueuedAt),
      decodeMs: ms(this.decodedAt - this.admittedAt),
      rankMs: ms(rankMs),
      totalMs: ms(now - this.enqueuedAt),
      steps: this.steps,
    };
  }
}
