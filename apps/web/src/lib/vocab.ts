/**
 * Words of a prompt the model doesn't know (they become [UNK]) and the nearest words it does know, so the
 * editor can underline them and suggest replacements.
 */
export interface WordSpan {
  word: string;
  start: number;
  end: number;
  known: boolean;
}

export function splitWords(text: string, vocabulary: ReadonlySet<string>): WordSpan[] {
  const out: WordSpan[] = [];
  for (const m of text.matchAll(/[\p{L}\p{N}']+/gu)) {
    const word = m[0];
    const start = m.index ?? 0;
    out.push({
      word,
      start,
      end: start + word.length,
      known: vocabulary.size === 0 || vocabulary.has(word.toLowerCase()),
    });
  }
  return out;
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

/** Up to `limit` known words closest to `word` (edit distance ≤ 3, then shared prefix). */
export function suggest(word: string, vocabulary: readonly string[], limit = 3): string[] {
  const w = word.toLowerCase();
  const scored: { v: string; d: number }[] = [];
  for (const v of vocabulary) {
    if (v.startsWith("[")) continue;
    const d = editDistance(w, v, 3);
    if (d <= 3) scored.push({ v, d: d - (v.startsWith(w.slice(0, 2)) ? 0.5 : 0) });
  }
  return scored
    .sort((a, b) => a.d - b.d || a.v.localeCompare(b.v))
    .slice(0, limit)
    .map((s) => s.v);
}
