import { Tokenizer } from "@huggingface/tokenizers";
import { type BundleManifest, type BundleVocabulary, isKnownWord, promptWords } from "@tessera/shared";

export interface EncodedPrompt {
  /** `[BOS] + ids[:textLength-2] + [EOS]`, right-padded with PAD to exactly textLength. */
  ids: number[];
  /** Prompt words (and CJK characters, emoji) the model never saw in training, in order, repeats kept. */
  unknownWords: string[];
}

/**
 * Turns prompts into the prior's and CLIP's fixed-length text ids, exactly as the model lab does.
 *
 * Two kinds of bundle: a subword tokenizer (byte-level BPE) never produces [UNK], so unknown words come from
 * the bundle's vocabulary file (what the training captions held); an older whole-word tokenizer maps unknown
 * words to [UNK], so those are reported. Any id the tokenizer can't resolve is mapped to `specialTokens.unk`.
 */
export class PromptEncoder {
  /** What the editor may treat as known: training words and characters, or the tokenizer's whole words. */
  readonly vocabulary: string[];
  private readonly tokenizer: Tokenizer;
  private readonly special: BundleManifest["text"]["specialTokens"];
  private readonly length: number;
  private readonly vocabSize: number;
  private readonly unkToken: string;
  private readonly seen: Set<string> | null;

  constructor(tokenizerJson: Record<string, unknown>, manifest: BundleManifest, vocabulary?: BundleVocabulary | null) {
    this.tokenizer = new Tokenizer(tokenizerJson, {});
    this.special = manifest.text.specialTokens;
    this.length = manifest.text.maxTokens;
    this.vocabSize = manifest.text.vocabSize;
    const model = (tokenizerJson.model ?? {}) as { vocab?: Record<string, number>; unk_token?: string };
    this.unkToken = model.unk_token ?? "[UNK]";
    if (vocabulary) {
      this.vocabulary = [...vocabulary.words, ...vocabulary.chars];
      this.seen = new Set(this.vocabulary);
    } else {
      const specialIds = new Set(Object.values(this.special));
      this.vocabulary = Object.entries(model.vocab ?? {})
        .filter(([word, id]) => !specialIds.has(id) && !word.startsWith("##") && !/^\[.*\]$/.test(word))
        .sort((a, b) => a[1] - b[1])
        .map(([word]) => word);
      this.seen = null;
    }
  }

  encode(prompt: string): EncodedPrompt {
    const encoding = this.tokenizer.encode(prompt, { add_special_tokens: false });
    const body = encoding.ids.map((id: number | undefined) =>
      typeof id === "number" && Number.isInteger(id) && id >= 0 && id < this.vocabSize ? id : this.special.unk,
    );
    return { ids: this.frame(body), unknownWords: this.unknownWords(prompt) };
  }

  /** The empty caption `[BOS, EOS, PAD…]`: the unconditional branch of classifier-free guidance. */
  unconditional(): number[] {
    return this.frame([]);
  }

  private frame(body: number[]): number[] {
    const ids = [this.special.bos, ...body.slice(0, this.length - 2), this.special.eos];
    while (ids.length < this.length) ids.push(this.special.pad);
    return ids;
  }

  private unknownWords(prompt: string): string[] {
    if (this.seen) {
      const seen = this.seen;
      return promptWords(prompt)
        .filter((w) => !isKnownWord(w, seen))
        .map((w) => w.text);
    }
    return this.unknownWholeWords(prompt);
  }

  /**
   * Whole-word tokenizers: prompt words that became [UNK], as written (original case). The JS tokenizer has
   * no offsets, so the original text is pre-tokenised alongside the normalised one and matched word for word;
   * if normalisation changed the word count, the normalised words are reported instead.
   */
  private unknownWholeWords(prompt: string): string[] {
    const t = this.tokenizer;
    const split = (text: string): string[] =>
      t.pre_tokenizer ? t.pre_tokenizer.pre_tokenize(text) : text.split(/\s+/);
    const normalised = split(t.normalizer ? t.normalizer.normalize(prompt) : prompt);
    const original = split(prompt);
    const shown = original.length === normalised.length ? original : normalised;
    const unknown: string[] = [];
    normalised.forEach((word, i) => {
      const pieces = t.model ? t.model._call([word]) : [word];
      if (pieces.includes(this.unkToken)) unknown.push(shown[i]!);
    });
    return unknown;
  }
}
