import type { KvCache, KvPast, KvRowSource, KvShape } from "./kv-cache.ts";

/**
 * The running batch's KV cache for a concat-layout prior (Optimum-style: `present.*` = past + new, so the
 * cache is replaced by the graph's outputs every step). Rows are right-aligned: a row with `realLen` cached tokens occupies the
 * last `realLen` of `cols` columns and the leading columns are masked out (attention_mask 0). That is what
 * lets a request join mid-flight (its shorter cache is left-padded) and lets the cache shrink again when
 * the longest rows leave (leading columns masked in every row are trimmed).
 */
export class KvBatch implements KvCache {
  /** Per layer: key then value, each [rows, kvHeads, cols, headDim]. */
  tensors: Float32Array[];
  rows = 0;
  cols = 0;
  /** Cached real tokens per row. */
  realLen: number[] = [];

  constructor(readonly shape: KvShape) {
    this.tensors = Array.from({ length: 2 * shape.layers }, () => new Float32Array(0));
  }

  /** Rebuilds the cache from the given rows (kept rows of this batch and/or freshly prefilled ones). */
  rebuild(sources: KvRowSource[]): void {
    const { kvHeads, headDim } = this.shape;
    const cols = sources.reduce((m, s) => Math.max(m, s.realLen), 0);
    const rows = sources.length;
    const next = this.tensors.map(() => new Float32Array(rows * kvHeads * cols * headDim));
    sources.forEach((src, r) => {
      for (let t = 0; t < next.length; t++) {
        const dst = next[t]!;
        const from = src.tensors[t]!;
        for (let h = 0; h < kvHeads; h++) {
          const start = src.start ?? src.cols - src.realLen;
          const srcStart = ((src.row * kvHeads + h) * src.cols + start) * headDim;
          const dstStart = ((r * kvHeads + h) * cols + (cols - src.realLen)) * headDim;
          dst.set(from.subarray(srcStart, srcStart + src.realLen * headDim), dstStart);
        }
      }
    });
    this.tensors = next;
    this.rows = rows;
    this.cols = cols;
    this.realLen = sources.map((s) => s.realLen);
  }

  prefill(rows: number, seq: number): KvPast & { mask: BigInt64Array } {
    return {
      tensors: this.tensors.map(() => new Float32Array(0)),
      cols: 0,
      mask: new BigInt64Array(rows * seq).fill(1n),
    };
  }

  past(): KvPast {
    return { tensors: this.tensors, cols: this.cols };
  }

  /** A source descriptor for row `row` of this batch, for `rebuild`. */
  source(row: number): KvRowSource {
    return { tensors: this.tensors, cols: this.cols, row, realLen: this.realLen[row]! };
  }

  /** attention_mask for a step that appends `seq` tokens to every row: [rows, cols + seq]. */
  stepMask(seq: number): BigInt64Array {
    const width = this.cols + seq;
    const mask = new BigInt64Array(this.rows * width);
    for (let r = 0; r < this.rows; r++) {
      mask.fill(1n, r * width + (this.cols - this.realLen[r]!), (r + 1) * width);
    }
    return mask;
  }

  /** Adopts the prior's `present.*` outputs after a step that appended `seq` tokens to every row. */
  advance(present: Float32Array[], seq: number): void {
    this.tensors = present;
    this.cols += seq;
    for (let r = 0; r < this.rows; r++) this.realLen[r] = this.realLen[r]! + seq;
  }

  clear(): void {
    this.rebuild([]);
  }
}
