import type { BundleManifest } from "@tessera/shared";
import ort from "onnxruntime-node";

export interface PriorOutput {
  /** [rows, logitsSize] */
  logits: Float32Array;
  /**
   * present.{i}.key / .value in layer order: [rows, kvHeads, past+seq, headDim] for a concat-layout graph,
   * [rows, kvHeads, seq, headDim] (the new tokens only) for a static one.
   */
  present: Float32Array[];
}

/**
 * One forward of the prior. `inputIds` and `positionIds` are [rows, seq]; `mask` is [rows, past+seq];
 * `past` holds 2·layers arrays of `pastCols` columns (empty for a concat prefill, the fixed cache length for
 * a static graph). ONNX Runtime reads the typed arrays in place (views included), so passing the cache
 * costs nothing per step.
 */
export async function runPrior(
  session: ort.InferenceSession,
  m: BundleManifest,
  rows: number,
  seq: number,
  inputIds: BigInt64Array,
  positionIds: BigInt64Array,
  mask: BigInt64Array,
  past: Float32Array[],
  pastCols: number,
): Promise<PriorOutput> {
  const { layers, kvHeads, headDim } = m.prior;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor("int64", inputIds, [rows, seq]),
    position_ids: new ort.Tensor("int64", positionIds, [rows, seq]),
    attention_mask: new ort.Tensor("int64", mask, [rows, pastCols + seq]),
  };
  for (let i = 0; i < layers; i++) {
    feeds[`past_key_values.${i}.key`] = new ort.Tensor("float32", past[2 * i]!, [rows, kvHeads, pastCols, headDim]);
    feeds[`past_key_values.${i}.value`] = new ort.Tensor("float32", past[2 * i + 1]!, [
      rows,
      kvHeads,
      pastCols,
      headDim,
    ]);
  }
  const out = await session.run(feeds);
  const present: Float32Array[] = [];
  for (let i = 0; i < layers; i++) {
    present.push(out[`present.${i}.key`]!.data as Float32Array, out[`present.${i}.value`]!.data as Float32Array);
  }
  const logits = out.logits!.data as Float32Array;
  return { logits, present };
}
