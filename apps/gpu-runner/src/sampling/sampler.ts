import type { CandidateRng } from "./prng.ts";

export interface SamplingSettings {
  temperature: number;
  /** 0 disables; 1 is greedy (argmax, lowest index on ties, as numpy/torch argmax). */
  topK: number;
  /** 1 disables. */
  topP: number;
  /** Classifier-free guidance scale; applied only when an unconditional row is given. */
  guidanceScale: number;
}

/**
 * Picks the next image token from raw logits. Work happens in buffers allocated once per sampler (one per
 * batch slot size), so the per-step hot loop allocates nothing. Order, as the lab: guidance on raw logits,
 * then temperature, top-k, top-p, then one uniform draw walked over the kept probabilities in index order.
 */
export class TokenSampler {
  private readonly logits: Float32Array;
  private readonly probs: Float64Array;
  private readonly sorted: Float64Array;

  constructor(readonly vocab: number) {
    this.logits = new Float32Array(vocab);
    this.probs = new Float64Array(vocab);
    this.sorted = new Float64Array(vocab);
  }

  /** `cond`/`uncond` are views of the logits rows; `uncond` is null without guidance. */
  sample(cond: Float32Array, uncond: Float32Array | null, s: SamplingSettings, rng: CandidateRng): number {
    const V = this.vocab;
    const l = this.logits;
    if (uncond) {
      // Rounded to float32 after every operation, as PyTorch computes it, so greedy argmax matches the lab.
      const g = Math.fround(s.guidanceScale);
      for (let i = 0; i < V; i++) l[i] = uncond[i]! + Math.fround(g * Math.fround(cond[i]! - uncond[i]!));
    } else {
      for (let i = 0; i < V; i++) l[i] = cond[i]!;
    }
    if (s.topK === 1) return argmax(l);
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < V; i++) if (l[i]! > max) max = l[i]!;
    // Top-k on logits: keep values ≥ the k-th largest (ties at the boundary are all kept).
    let floor = Number.NEGATIVE_INFINITY;
    if (s.topK > 1 && s.topK < V) floor = kthLargest(l, s.topK, this.sorted);
    let total = 0;
    const p = this.probs;
    for (let i = 0; i < V; i++) {
      const v = l[i]! >= floor ? Math.exp((l[i]! - max) / s.temperature) : 0;
      p[i] = v;
      total += v;
    }
    if (s.topP < 1) total = applyTopP(p, total, s.topP, this.sorted);
    let u = rng.nextFloat() * total;
    let last = 0;
    for (let i = 0; i < V; i++) {
      if (p[i]! <= 0) continue;
      last = i;
      u -= p[i]!;
      if (u < 0) return i;
    }
    return last;
  }
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** The k-th largest value, by quickselect on a scratch copy: O(V) per token instead of a full sort. */
function kthLargest(values: Float32Array, k: number, scratch: Float64Array): number {
  scratch.set(values);
  const target = values.length - k; // index of the answer in ascending order
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const pivot = scratch[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (scratch[i]! < pivot) i++;
      while (scratch[j]! > pivot) j--;
      if (i <= j) {
        const t = scratch[i]!;
        scratch[i] = scratch[j]!;
        scratch[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return scratch[target]!;
  }
  return scratch[target]!;
}

/** Zeroes probabilities outside the smallest top set whose mass reaches `topP`; returns the kept mass. */
function applyTopP(p: Float64Array, total: number, topP: number, scratch: Float64Array): number {
  scratch.set(p);
  scratch.sort();
  const target = topP * total;
  let cum = 0;
  let threshold = 0;
  for (let i = scratch.length - 1; i >= 0; i--) {
    cum += scratch[i]!;
    threshold = scratch[i]!;
    if (cum >= target) break;
  }
  let kept = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i]! < threshold) p[i] = 0;
    else kept += p[i]!;
  }
  return kept;
}
