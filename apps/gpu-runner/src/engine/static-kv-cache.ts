import type { KvCache, KvPast, KvRowSource, KvShape } from "./kv-cache.ts";

/**
 * The running batch's KV cache for a static-layout prior (manifest `prior.kvCache.kind = "static"`): one
 * preallocated array per layer and key/value of [capacity, kvHeads, length, headDim]. Batch row r's tokens
 * sit in slots 0..realLen[r]−1 of row r; the graph returns only the new tokens' K/V, which `advance` writes
 * into the next slots. Unused slots (whatever a previous row left there) are masked 0.
 *
 * Nothing of the cache's size is allocated or copied per step: `past()` hands ONNX Runtime views of the
 * first `rows` rows (onnxruntime-node wraps a typed array's memory, offset included, without copying), and a
 * step writes rows·layers·2·kvHeads·headDim floats. Rows move only when the batch changes: a joining row's
 * prefill is copied into its slots, and rows after a leaving one shift down to keep the batch contiguous.
 */
export class StaticKvCache implements KvCache {
  private buffers: Float32Array[];
  private capacity = 0;
  /** Shared all-zero past for prefills (the mask hides it anyway; zeros keep it finite). */
  private zeros = new Float32Array(0);
  private readonly rowSize: number;
  rows = 0;
  realLen: number[] = [];

  constructor(
    readonly shape: KvShape,
    /** Slots per row: the graph's fixed past length. */
    readonly length: number,
  ) {
    this.rowSize = shape.kvHeads * length * shape.headDim;
    this.buffers = Array.from({ length: 2 * shape.layers }, () => new Float32Array(0));
  }

  prefill(rows: number, seq: number): KvPast & { mask: BigInt64Array } {
    if (this.zeros.length < rows * this.rowSize) this.zeros = new Float32Array(rows * this.rowSize);
    const zeros = this.zeros.subarray(0, rows * this.rowSize);
    const width = this.length + seq;
    const mask = new BigInt64Array(rows * width);
    for (let r = 0; r < rows; r++) mask.fill(1n, r * width + this.length, (r + 1) * width);
    return { tensors: this.buffers.map(() => zeros), cols: this.length, mask };
  }

  past(): KvPast {
    const size = this.rows * this.rowSize;
    return { tensors: this.buffers.map((b) => b.subarray(0, size)), cols: this.length };
  }

  stepMask(seq: number): BigInt64Array {
    const width = this.length + seq;
    const mask = new BigInt64Array(this.rows * width);
    for (let r = 0; r < this.rows; r++) {
      mask.fill(1n, r * width, r * width + this.realLen[r]!);
      mask.fill(1n, r * width + this.length, (r + 1) * width);
    }
    return mask;
  }

  /** `present` holds the new tokens only: 2·layers arrays of [rows, kvHeads, seq, headDim]. */
  advance(present: Float32Array[], seq: number): void {
    const { kvHeads, headDim } = this.shape;
    for (let r = 0; r < this.rows; r++) {
      const at = this.realLen[r]!;
      if (at + seq > this.length) {
        throw new Error(`the static KV cache holds ${this.length} tokens per row; row ${r} would need ${at + seq}`);
      }
      for (let t = 0; t < present.length; t++) {
        const dst = this.buffers[t]!;
        const src = present[t]!;
        for (let h = 0; h < kvHeads; h++) {
          const from = (r * kvHeads + h) * seq * headDim;
          dst.set(src.subarray(from, from + seq * headDim), ((r * kvHeads + h) * this.length + at) * headDim);
        }
      }
      this.realLen[r] = at + seq;
    }
  }

  /**
   * Rebuilds the batch from the given rows: this cache's own rows (shifted down in place when earlier rows
   * left) and/or freshly prefilled ones (copied into their slots). Grows the buffers only when the batch
   * outgrows them.
   */
  rebuild(sources: KvRowSource[]): void {
    const rows = sources.length;
    // In place is safe while every own row moves down or stays (the scheduler keeps rows in order).
    const inPlace = sources.every((s, r) => s.tensors !== this.buffers || s.row >= r);
    let target = this.buffers;
    if (rows > this.capacity || !inPlace) {
      const capacity = Math.max(rows, this.capacity);
      target = this.buffers.map(() => new Float32Array(capacity * this.rowSize));
      this.capacity = capacity;
    }
    sources.forEach((src, r) => {
      if (src.realLen > this.length) {
        throw new Error(`a row of ${src.realLen} tokens does not fit the static KV cache of ${this.length}`);
      }
      if (src.tensors === this.buffers && src.row === r && target === this.buffers) return;
      this.copyRow(src, target, r);
    });
    this.buffers = target;
    this.rows = rows;
    this.realLen = sources.map((s) => s.realLen);
  }

  private copyRow(src: KvRowSource, target: Float32Array[], r: number): void {
    const { kvHeads, headDim } = this.shape;
    const start = src.start ?? src.cols - src.realLen;
    const n = src.realLen * headDim;
    for (let t = 0; t < target.length; t++) {
      const dst = target[t]!;
      const from = src.tensors[t]!;
      for (let h = 0; h < kvHeads; h++) {
        const s = ((src.row * kvHeads + h) * src.cols + start) * headDim;
        const d = (r * kvHeads + h) * this.length * headDim;
        if (from === dst) dst.copyWithin(d, s, s + n);
        else dst.set(from.subarray(s, s + n), d);
      }
    }
  }

  source(row: number): KvRowSource {
    return { tensors: this.buffers, cols: this.length, row, realLen: this.realLen[row]!, start: 0 };
  }

  clear(): void {
    this.rows = 0;
    this.realLen = [];
  }
}
