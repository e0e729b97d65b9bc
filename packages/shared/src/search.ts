import { z } from "zod";
import { bytesFromBase64 } from "./base64.ts";
import { LIMITS } from "./limits.ts";
import { BROKEN_TEXT_MESSAGE, blankControlChars, isWellFormedText } from "./text.ts";

/**
 * Board search by meaning (issue 17 items 1 and 5): what a search may ask, and the words a candidate's
 * zero-shot tags are drawn from beside the bundle's concepts.
 */

/** The text of a search: whole characters, NFC, trimmed, at most `searchQueryMaxChars`; may be empty (tags only). */
export const searchTextSchema = z
  .string({ error: "text must be text" })
  .refine(isWellFormedText, BROKEN_TEXT_MESSAGE)
  .transform((s) => blankControlChars(s).normalize("NFC").trim())
  .pipe(
    z.string().max(LIMITS.searchQueryMaxChars, `Searches are limited to ${LIMITS.searchQueryMaxChars} characters.`),
  );

export const searchLimitSchema = z
  .number({ error: "limit must be a number" })
  .int("limit must be a whole number")
  .min(1, "limit must be at least 1")
  .max(LIMITS.searchResultsMax, `limit must be at most ${LIMITS.searchResultsMax}`);

/** Tags to filter by: as stored (lower case), each a short label. */
export const searchTagsSchema = z
  .array(
    z
      .string()
      .refine(isWellFormedText, BROKEN_TEXT_MESSAGE)
      .transform((s) => s.normalize("NFC").trim().toLowerCase())
      .pipe(z.string().min(1, "A tag can't be empty.").max(100, "Tags are at most 100 characters.")),
  )
  .max(LIMITS.searchTagsMax, `Filter by at most ${LIMITS.searchTagsMax} tags.`);

export type TagKind = "concept" | "colour" | "position";

/**
 * One word a candidate can be tagged with, the captions whose mean text embedding stands for it (CLIP's
 * prompt ensembling), and its other names.
 */
export interface TagWord {
  label: string;
  kind: TagKind;
  captions: string[];
  /** Other names that mean the same tag in a search (synonyms, Chinese); the label itself always counts. */
  aliases: string[];
}

/**
 * The nine places the model lab's captions name (`ml/tessera_lab/captions.py` POS_EN / POS_ZH, cells in raster
 * order). Bundles don't export them, but every bundle trained by the lab was captioned with these words.
 */
export const POSITION_TAGS: readonly { label: string; zh: string[] }[] = [
  { label: "top left", zh: ["左上角", "左上方"] },
  { label: "top", zh: ["上方中间", "正上方", "顶部"] },
  { label: "top right", zh: ["右上角", "右上方"] },
  { label: "left", zh: ["左边", "左侧"] },
  { label: "center", zh: ["中间", "中央", "正中间"] },
  { label: "right", zh: ["右边", "右侧"] },
  { label: "bottom left", zh: ["左下角", "左下方"] },
  { label: "bottom", zh: ["下方中间", "正下方", "底部"] },
  { label: "bottom right", zh: ["右下角", "右下方"] },
];

/** Chinese names of the lab's colour words (`captions.py` COLOUR_ZH), for matching a Chinese search to a colour tag. */
export const COLOUR_ZH: Readonly<Record<string, string>> = {
  red: "红色",
  orange: "橙色",
  yellow: "黄色",
  green: "绿色",
  blue: "蓝色",
  purple: "紫色",
  pink: "粉色",
  brown: "棕色",
  black: "黑色",
  white: "白色",
  gray: "灰色",
  beige: "米色",
};

const HAN = /\p{Script=Han}/u;

/**
 * The tags a search text names: a tag's label or alias as a whole word (any case; a plural "s" allowed) in
 * Latin text, anywhere in Chinese text (no spaces between words there). Longer names win over the names they
 * contain: "red apple" names the concept, not also the colour "red"; "top left" not "left". In the text's order.
 */
export function tagsNamedIn(text: string, words: readonly TagWord[]): string[] {
  const haystack = text.normalize("NFKC").toLowerCase();
  const hits: { label: string; start: number; end: number }[] = [];
  for (const w of words) {
    for (const name of [w.label, ...w.aliases]) {
      const needle = name.normalize("NFKC").toLowerCase().trim();
      if (!needle) continue;
      const pattern = HAN.test(needle)
        ? new RegExp(escapeRegExp(needle), "gu")
        : new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(needle)}(?:e?s)?(?![\\p{L}\\p{N}])`, "gu");
      for (const m of haystack.matchAll(pattern)) {
        hits.push({ label: w.label, start: m.index ?? 0, end: (m.index ?? 0) + m[0].length });
      }
    }
  }
  hits.sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
  const taken: typeof hits = [];
  for (const h of hits) if (!taken.some((t) => h.start < t.end && t.start < h.end)) taken.push(h);
  return [...new Set(taken.sort((a, b) => a.start - b.start).map((h) => h.label))];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * An embedding as it travels in JSON (the runner's HTTP answers and wire events): the base64 of its float32
 * values, little-endian — exact, and a third of the size of the same floats written out as JSON numbers.
 */
export function float32ToBase64(v: Float32Array): string {
  const view = new DataView(new ArrayBuffer(v.length * 4));
  for (const [i, x] of v.entries()) view.setFloat32(i * 4, x, true);
  let binary = "";
  for (const byte of new Uint8Array(view.buffer)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function float32FromBase64(b64: string): Float32Array {
  const bytes = bytesFromBase64(b64);
  if (bytes.length % 4 !== 0) throw new Error("an embedding must be a whole number of float32 values");
  const view = new DataView(bytes.buffer);
  return Float32Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}
