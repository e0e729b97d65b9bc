/**
 * The words of a prompt as the model lab counts them (`ml/tessera_lab/captions.py: vocabulary()`): Latin words
 * NFKC-folded and lower-cased, split at hyphens (curly apostrophes made straight); every CJK character on its
 * own; every pictograph (emoji), which no caption ever holds. Punctuation and spaces are not words. The runner
 * reports unknown words with it and the prompt editor underlines them, so both agree.
 */
export interface PromptWord {
  /** As written in the prompt. */
  text: string;
  /** Offsets of `text` in the prompt. */
  start: number;
  end: number;
  /** Normalised pieces that must all be known for the word to be known. */
  parts: string[];
}

const WORD = /\p{Script=Han}|\p{Extended_Pictographic}|[\p{L}\p{N}\p{M}]+(?:['’-][\p{L}\p{N}\p{M}]+)*/gu;
const SINGLE = /^(?:\p{Script=Han}|\p{Extended_Pictographic})$/u;

export function promptWords(prompt: string): PromptWord[] {
  const out: PromptWord[] = [];
  for (const m of prompt.matchAll(WORD)) {
    const word = m[0];
    const start = m.index ?? 0;
    const folded = word.normalize("NFKC").toLowerCase().replaceAll("’", "'");
    const parts = SINGLE.test(word) ? [folded] : folded.split("-").filter((p) => p.length > 0);
    out.push({ text: word, start, end: start + word.length, parts });
  }
  return out;
}

/** Whether every piece of the word is in the model's training vocabulary (words and CJK characters). */
export function isKnownWord(word: PromptWord, vocabulary: ReadonlySet<string>): boolean {
  return word.parts.every((p) => vocabulary.has(p));
}
