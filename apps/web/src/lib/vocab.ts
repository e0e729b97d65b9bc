import { isKnownWord, promptWords } from "@tessera/shared";

/**
 * Words of a prompt the model never saw in training (segmented exactly as the runner does, `promptWords`), and
 * the concepts it can draw that such a word probably meant, so the editor can underline and suggest.
 */
export interface WordSpan {
  word: string;
  start: number;
  end: number;
  known: boolean;
}

/** What the editor needs of a concept (GraphQL `Concept`). */
export interface ConceptName {
  index: number;
  label: string;
  zh: string;
  emoji: string;
  synonyms: string[];
  zhSynonyms: string[];
}

export function splitWords(text: string, vocabulary: ReadonlySet<string>): WordSpan[] {
  return promptWords(text).map((w) => ({
    word: w.text,
    start: w.start,
    end: w.end,
    known: vocabulary.size === 0 || isKnownWord(w, vocabulary),
  }));
}

function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > cap) return cap + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

const stripVariation = (s: string) => s.replace(/[\uFE0E\uFE0F]/g, "");
const isHan = (s: string) => /\p{Script=Han}/u.test(s);

/**
 * Up to `limit` concepts an unknown word probably meant, as the text to insert: an emoji names its concept;
 * a Chinese character, the concepts whose Chinese names hold it; a Latin word, the concepts whose names (or
 * any word of them, or a synonym) are within a small spelling distance — scaled to the word's length, so
 * "cat" never suggests "at" — plural "s" forgiven.
 */
export function suggest(word: string, concepts: readonly ConceptName[], limit = 3): string[] {
  if (/\p{Extended_Pictographic}/u.test(word)) {
    const hit = concepts.find((c) => stripVariation(c.emoji) === stripVariation(word));
    return hit ? [hit.label] : [];
  }
  if (isHan(word)) {
    return concepts
      .filter((c) => c.zh.includes(word) || c.zhSynonyms.some((s) => s.includes(word)))
      .sort((a, b) => a.zh.length - b.zh.length)
      .slice(0, limit)
      .map((c) => c.zh);
  }
  const w = word.toLowerCase().replace(/'s$/, "");
  const cap = Math.max(1, Math.floor(w.length / 3));
  const scored: { label: string; d: number }[] = [];
  for (const c of concepts) {
    const names = [c.label, ...c.synonyms].map((n) => n.toLowerCase());
    let best = cap + 1;
    for (const name of names) {
      for (const candidate of [name, ...name.split(/[\s-]+/)]) {
        const d = Math.min(editDistance(w, candidate, cap), editDistance(w.replace(/e?s$/, ""), candidate, cap));
        // A whole-name match beats a match on one word of a longer name ("car" → "car", not "racing car").
        best = Math.min(best, d + (candidate === name ? 0 : 0.25));
      }
    }
    if (best <= cap) scored.push({ label: c.label, d: best });
  }
  return scored
    .sort((a, b) => a.d - b.d || a.label.length - b.label.length || a.label.localeCompare(b.label))
    .slice(0, limit)
    .map((s) => s.label);
}
