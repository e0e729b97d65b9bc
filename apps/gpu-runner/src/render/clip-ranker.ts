import type { BundleManifest, CandidateRanking } from "@tessera/shared";
import ort from "onnxruntime-node";
import type { DecodedImages } from "./images.ts";

/** What one pass of CLIP over a generation's images gives: the scores, and each image's embedding to keep. */
export interface ClipResult {
  /** `scores[t][i]`: cosine similarity of caption t and image i. */
  scores: number[][];
  /** Each image's embedding, L2-normalised: stored with the candidate for search (issue 17 item 1). */
  imageEmbeds: Float32Array[];
}

/**
 * CLIP scores: cosine similarity between each caption's text embedding and each image's embedding, both
 * L2-normalised; `scores[t][i]` for caption t, image i. The images go through the vision model once, however
 * many captions (a prompt and its negative), and their embeddings come back too, so nothing runs the vision
 * model again to index a candidate. Pixels go in as (x − mean) / std per channel, as the lab trained CLIP.
 */
export async function clipScores(
  textSession: ort.InferenceSession,
  visionSession: ort.InferenceSession,
  m: BundleManifest,
  captions: number[][],
  images: DecodedImages,
): Promise<ClipResult> {
  // One caption per run, as the scores were always computed: batching captions changes the text model's
  // floating-point results slightly. The vision model, the costly part, runs once.
  const textEmbeds = [];
  for (const caption of captions) textEmbeds.push((await textEmbeddings(textSession, m, [caption]))[0]!);
  const imageEmbeds = await imageEmbeddings(visionSession, m, images);
  const scores = textEmbeds.map((t) =>
    imageEmbeds.map((v) => {
      let dot = 0;
      for (let d = 0; d < v.length; d++) dot += v[d]! * t[d]!;
      return dot;
    }),
  );
  return { scores, imageEmbeds: imageEmbeds.map((v) => Float32Array.from(v)) };
}

/**
 * Each image's CLIP embedding, L2-normalised (in float64: the ranking's scores are computed from these), in one
 * pass of the vision model: what a candidate is stored with for search, and what an uploaded picture gets too.
 * Pixels go in as (x − mean) / std per channel.
 */
export async function imageEmbeddings(
  visionSession: ort.InferenceSession,
  m: BundleManifest,
  images: DecodedImages,
): Promise<Float64Array[]> {
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
  return Array.from({ length: images.count }, (_, i) => normalise(embeds, i * m.clip.embedDim, m.clip.embedDim));
}

/**
 * L2-normalised text embeddings of framed caption ids (`PromptEncoder.encode(...).ids`), `batch` captions per
 * run of the text model. The ranking embeds one caption per run (its scores must stay what they were);
 * search queries and tag words may batch.
 */
export async function textEmbeddings(
  textSession: ort.InferenceSession,
  m: BundleManifest,
  captions: number[][],
  batch = 1,
): Promise<Float64Array[]> {
  const T = m.clip.textLength;
  const out: Float64Array[] = [];
  for (let start = 0; start < captions.length; start += batch) {
    const part = captions.slice(start, start + batch);
    const ids = new BigInt64Array(part.length * T);
    const mask = new BigInt64Array(part.length * T);
    part.forEach((caption, row) => {
      caption.slice(0, T).forEach((x, k) => {
        ids[row * T + k] = BigInt(x);
        mask[row * T + k] = x === m.text.specialTokens.pad ? 0n : 1n;
      });
    });
    const text = await textSession.run({
      input_ids: new ort.Tensor("int64", ids, [part.length, T]),
      attention_mask: new ort.Tensor("int64", mask, [part.length, T]),
    });
    const data = text.text_embeds!.data as Float32Array;
    for (let row = 0; row < part.length; row++) out.push(normalise(data, row * m.clip.embedDim, m.clip.embedDim));
  }
  return out;
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
