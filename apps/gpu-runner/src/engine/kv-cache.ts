import type { BundleManifest } from "@tessera/shared";
import { KvBatch } from "./kv-batch.ts";
import { StaticKvCache } from "./static-kv-cache.ts";

export interface KvShape {
  layers: number;
  kvHeads: number;
  headDim: number;
}

/**
 * Where a row of a rebuilt batch comes from: row `row` of `tensors` (2·layers arrays of [rows, kvHeads, cols,
 * headDim]) whose real tokens are the `realLen` columns from `start` (default: the last `realLen` columns).
 */
export interface KvRowSource {
  tensors: Float32Array[];
  cols: number;
  row: number;
  realLen: number;
  start?: number;
}

/** The prior's `past_key_values.*` for one forward: 2·layers arrays of [rows, kvHeads, cols, headDim]. */
export interface KvPast {
  tensors: Float32Array[];
  cols: number;
}

/**
 * The running batch's KV cache, in the layout the bundle's prior graph uses (manifest `prior.kvCache`).
 * Batch row r is the scheduler's slot r; rows join through `rebuild` (kept rows first, in order, then newly
 * prefilled ones) and leave through `rebuild` with the remaining rows.
 */
export interface KvCache {
  readonly rows: number;
  /** Cached real tokens per row. */
  readonly realLen: readonly number[];
  /** Inputs for a prefill of `rows` rows × `seq` tokens with nothing cached. */
  prefill(rows: number, seq: number): KvPast & { mask: BigInt64Array };
  /** The past inputs for a step over every row. */
  past(): KvPast;
  /** attention_mask for a step that appends `seq` tokens to every row. */
  stepMask(seq: number): BigInt64Array;
  /** Takes in the prior's `present.*` outputs after a step that appended `seq` tokens to every row. */
  advance(present: Float32Array[], seq: number): void;
  rebuild(sources: KvRowSource[]): void;
  /** A source descriptor for row `row` of this cache, for `rebuild`. */
  source(row: number): KvRowSource;
  clear(): void;
}

export function createKvCache(m: BundleManifest): KvCache {
  const shape = { layers: m.prior.layers, kvHeads: m.prior.kvHeads, headDim: m.prior.headDim };
  return m.prior.kvCache.kind === "static" ? new StaticKvCache(shape, m.prior.kvCache.length) : new KvBatch(shape);
}
