import type { BundleManifest, CandidateRanking } from "@tessera/shared";
import ort from "onnxruntime-node";
import type { DecodedImages } from "./images.ts";

/**
 * CLIP scores: cosine similarity between each caption's text embedding and each image's embedding, both
 * L2-normalised; `scores[t][i]` for caption t, image i. The images go through the vision model once, however
 * many captions (a prompt and its negative). Pixels go in as (x − mean) / std per channel, as the lab trained
 * CLIP.
 */
export async function clipScores(
  textSession: ort.InferenceSession,
  visionSession: ort.InferenceSession,
  m: BundleManifest,
  captions: number[][],
  images: DecodedImages,
): Promise<number[][]> {
  const T = m.clip.textLength;
  // One caption per run, as the scores were always computed: batching captions changes the text model's
  // floating-point results slightly. The vision model, the costly part, runs once.
  const textEmbeds = [];
  for (const caption of captions) {
    const ids = BigInt64Array.from(caption.slice(0, T), (x) => BigInt(x));
    const mask = BigInt64Array.from(caption.slice(0, T), (x) => (x === m.text.specialTokens.pad ? 0n : 1n));
    const text = await textSession.run({
      input_ids: new ort.Tensor("int64", ids, [1, T]),
      attention_mask: new ort.Tensor("int64", mask, [1, T]),
    });
    textEmbeds.push(normalise(text.text_embeds!.data as Float32Array, 0, m.clip.embedDim));
  }
  if (m.clip.imageSize !== images.size) {
    throw new Error(`CLIP expects ${m.clip.imageSize}px images but the decoder makes ${images.size}px`);
  }
  const pixels = new Float32Array(images.data.length);
  const plane = images.size * images.size;
  for (let i = 0; i < images.count; i++) {
    for (let c = 0; c < 3; c++) {
      const mean = m.clip.mean[c]!;
      const std = m.clip.std[c]!;
      const base = (i * 3 + c) * plane;
      for (let p = 0; p < plane; p++) pixels[base + p] = (images.data[base + p]! - mean) / std;
    }
  }
  const vision = await visionSession.run({
    pixel_values: new ort.Tensor("float32", pixels, [images.count, 3, images.size, images.size]),
  });
  const embeds = vision.image_embeds!.data as Float32Array;
  const imageEmbeds = Array.from({ length: images.count }, (_, i) =>
    normalise(embeds, i * m.clip.embedDim, m.clip.embedDim),
  );
  return textEmbeds.map((t) =>
    imageEmbeds.map((v) => {
      let dot = 0;
      for (let d = 0; d < v.length; d++) dot += v[d]! * t[d]!;
      return dot;
    }),
  );
}

function normalise(data: Float32Array, offset: number, dim: number): Float64Array {
  const v = new Float64Array(dim);
  let norm = 0;
  for (let d = 0; d < dim; d++) {
    v[d] = data[offset + d]!;
    norm += v[d]! * v[d]!;
  }
  norm = Math.sqrt(norm) || 1;
  for (let d = 0; d < dim; d++) v[d] = v[d]! / norm;
  return v;
}

/** Rank 1 = highest score; ties keep candidate order so rankings are deterministic. */
export function rankScores(scores: number[]): CandidateRanking[] {
  const order = scores
    .map((score, candidate) => ({ candidate, score }))
    .sort((a, b) => b.score - a.score || a.candidate - b.candidate);
  const rankOf = new Map(order.map((o, i) => [o.candidate, i + 1]));
  return scores.map((score, candidate) => ({ candidate, score, rank: rankOf.get(candidate)! }));
}
