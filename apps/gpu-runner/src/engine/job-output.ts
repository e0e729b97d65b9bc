import type { CandidateRanking } from "@tessera/shared";
import type { Bundle } from "../bundle/load-bundle.ts";
import { clipScores, rankScores } from "../render/clip-ranker.ts";
import { type DecodedImages, decodeGrids, encodePng, toRgb8, withFiller } from "../render/images.ts";
import { pickTags, scoreTags, type TagIndex } from "../render/tagger.ts";
import type { Emit, Job } from "./job.ts";

/** Decodes every candidate's partial grid (filler code where nothing is generated yet) to a PNG preview. */
export async function emitPreviews(bundle: Bundle, job: Job, emit: Emit): Promise<void> {
  const m = bundle.manifest;
  const grids = job.tokens.map((t) => withFiller(t, job.count, job.total, m.vq.fillerCode));
  const images = await decodeGrids(bundle.vqDecoder, m, grids);
  const rowsDone = job.count / m.grid.cols;
  // Every PNG first, then the events back to back: the API sends a step's previews as one message.
  const pngs = Array.from({ length: job.spec.n }, (_, c) => encodePng(toRgb8(images, c), images.size, images.size));
  for (const [c, png] of pngs.entries()) emit(job.spec.id, { type: "preview", candidate: c, rowsDone, png });
}

/**
 * Ranks by CLIP similarity to the prompt minus similarity to the negative prompt, when there is one (both
 * captions against one pass of the vision model); each candidate's reported score stays its similarity to the
 * prompt (what the card shows). The same pass gives each image's embedding, which the candidate keeps.
 */
async function rank(
  bundle: Bundle,
  job: Job,
  images: DecodedImages,
): Promise<{ ranking: CandidateRanking[]; imageEmbeds: Float32Array[] }> {
  const neg = job.spec.negativeIds;
  const captions = neg ? [job.spec.textIds, neg] : [job.spec.textIds];
  const clip = await clipScores(bundle.clipText, bundle.clipVision, bundle.manifest, captions, images);
  const [scores, against] = clip.scores;
  const ranking = against
    ? rankScores(scores!.map((s, c) => s - against[c]!)).map((r) => ({ ...r, score: scores![r.candidate]! }))
    : rankScores(scores!);
  return { ranking, imageEmbeds: clip.imageEmbeds };
}

/** The tag index of the loaded bundle, once built (null: the bundle has nothing to tag with). */
export type TagIndexSource = () => Promise<TagIndex | null>;

/**
 * Final PNGs, the CLIP ranking and timings for a completed job. Errors here fail only this job.
 *
 * CLIP runs before the candidates are announced, so each finished candidate carries its image embedding and
 * tags and is stored with them in one statement (a candidate is never searchable half-way); the ranking
 * follows at once. The wait this adds before the candidates appear is the vision model's one pass (the text
 * model's one or two captions), which the ranking waited for anyway.
 */
export async function finishJob(bundle: Bundle, job: Job, emit: Emit, tagIndex: TagIndexSource): Promise<void> {
  const m = bundle.manifest;
  try {
    const images = await decodeGrids(bundle.vqDecoder, m, job.tokens);
    const rankStart = performance.now();
    const { ranking, imageEmbeds } = await rank(bundle, job, images);
    const index = await tagIndex();
    const rankMs = performance.now() - rankStart;
    // Every PNG first, then the events back to back: the API stores a generation's candidates together.
    const pngs = job.tokens.map((_, c) => encodePng(toRgb8(images, c), images.size, images.size));
    for (const [c, png] of pngs.entries()) {
      const embedding = imageEmbeds[c]!;
      const tags = index ? pickTags(scoreTags(index, embedding)) : [];
      emit(job.spec.id, {
        type: "candidateFinished",
        candidate: c,
        tokens: Array.from(job.tokens[c]!),
        png,
        embedding,
        tags,
      });
    }
    emit(job.spec.id, { type: "ranking", ranking });
    emit(job.spec.id, { type: "finished", timings: job.timings(rankMs) });
  } catch (e) {
    emit(job.spec.id, { type: "failed", code: "GENERATION_FAILED", message: (e as Error).message });
  }
}
