import { type BundleConceptList, COLOUR_ZH, POSITION_TAGS, type TagKind, type TagWord } from "@tessera/shared";

/**
 * Zero-shot tags (issue 17 item 5): CLIP compares a candidate's image embedding with the text embeddings of
 * every word it can be tagged with — the bundle's concepts, its colours and the lab's nine positions — and
 * the best matches above a threshold become the candidate's tags. The words' embeddings are computed once per
 * loaded bundle (`tag-index.ts`, in the engine thread); tagging a candidate is then one matrix-vector product.
 * Nothing here loads ONNX Runtime: the main thread uses the words to tell which tags a search names.
 */

/** Colour words are embedded with this many of the bundle's concepts (spread over the list) and "sticker". */
const COLOUR_ENSEMBLE = 21;

/**
 * The words a bundle's candidates can be tagged with, each with the captions its text embedding comes from,
 * in the lab's grammar, where CLIP learned them: "a cat", "in the top left". A tint is only ever said with a
 * thing ("a red apple"), so a colour stands for the mean of "a red sticker" and "a red <concept>" over a
 * spread of concepts. Measured on 72 of the sticker bundle's own images of 9 tinted prompts, the colour
 * asked for won 59 times this way, 54 with "a red sticker" alone, 51 with "red" alone (most misses: its dark
 * reds called brown, its yellows orange). Bundles without a concept list get no tags: their captions may
 * not use these words at all.
 */
export function tagWordsOf(concepts: BundleConceptList | null): TagWord[] {
  if (!concepts) return [];
  const words: TagWord[] = [];
  const seen = new Set<string>();
  const add = (label: string, kind: TagKind, captions: string[], aliases: string[]) => {
    const key = label.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    words.push({ label: key, kind, captions, aliases: aliases.filter((a) => a.trim().length > 0) });
  };
  for (const c of concepts.concepts) add(c.label, "concept", [`a ${c.label}`], [...c.synonyms, c.zh, ...c.zhSynonyms]);
  const step = Math.max(1, Math.ceil(concepts.concepts.length / COLOUR_ENSEMBLE));
  const things = concepts.concepts.filter((_, i) => i % step === 0).slice(0, COLOUR_ENSEMBLE);
  for (const colour of concepts.colours) {
    const captions = [`a ${colour} sticker`, ...things.map((t) => `a ${colour} ${t.label}`)];
    add(colour, "colour", captions, COLOUR_ZH[colour] ? [COLOUR_ZH[colour]] : []);
  }
  for (const p of POSITION_TAGS) add(p.label, "position", [`in the ${p.label}`], p.zh);
  return words;
}

/** The tag words with their text embeddings: row w of `matrix` is word w's, L2-normalised. */
export interface TagIndex {
  words: TagWord[];
  dim: number;
  matrix: Float32Array;
}

export interface ScoredTag {
  label: string;
  kind: TagKind;
  score: number;
}

/**
 * How sure CLIP must be. Measured on the sticker bundle's own images (8 seeds each of "a red apple", "a blue
 * car", "a green frog in the top left", "一只黄色的猫"): the best concept scores 0.55–0.82 and its runners-up
 * trail by under 0.1 when they are the same kind of thing (red envelope, red apple, red paper lantern); the
 * asked-for colour wins at 0.6–0.8; a named position wins at 0.2–0.5 and positions nobody asked for score
 * under 0.2 or near their neighbours.
 */
export const TAG_THRESHOLDS = {
  conceptMin: 0.5,
  /** Concepts trailing the best by more than this are dropped: they are guesses, not what CLIP sees. */
  conceptWithin: 0.08,
  conceptsMax: 3,
  colourMin: 0.5,
  positionMin: 0.3,
  /** A position must beat the next best position by this much (a sticker between two cells is neither). */
  positionMargin: 0.05,
} as const;

/** Every tag word's cosine similarity with one image embedding (both L2-normalised). */
export function scoreTags(index: TagIndex, image: ArrayLike<number>): ScoredTag[] {
  const { words, dim, matrix } = index;
  return words.map((w, row) => {
    let dot = 0;
    const base = row * dim;
    for (let d = 0; d < dim; d++) dot += matrix[base + d]! * image[d]!;
    return { label: w.label, kind: w.kind, score: dot };
  });
}

/** The tags to keep: up to three concepts (best first), then the dominant colour, then the position. */
export function pickTags(scored: ScoredTag[], t: typeof TAG_THRESHOLDS = TAG_THRESHOLDS): string[] {
  const byScore = (kind: TagKind) => scored.filter((s) => s.kind === kind).sort((a, b) => b.score - a.score);
  const concepts = byScore("concept");
  const best = concepts[0]?.score ?? Number.NEGATIVE_INFINITY;
  const tags = concepts
    .filter((c) => c.score >= t.conceptMin && c.score >= best - t.conceptWithin)
    .slice(0, t.conceptsMax)
    .map((c) => c.label);
  const [colour] = byScore("colour");
  if (colour && colour.score >= t.colourMin) tags.push(colour.label);
  const [place, next] = byScore("position");
  if (place && place.score >= t.positionMin && place.score - (next?.score ?? -1) >= t.positionMargin) {
    tags.push(place.label);
  }
  return tags;
}
