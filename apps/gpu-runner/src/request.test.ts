import { type BundleManifest, parseManifest, TesseraError } from "@tessera/shared";
import { describe, expect, it } from "vitest";
import { buildJob } from "./request.ts";
import { PromptEncoder } from "./text/prompt-encoder.ts";

// A hand-written 4×4-grid manifest and WordPiece tokenizer: enough to exercise validation without models.
const sha = "0".repeat(64);
const file = { sha256: sha, bytes: 1 };
const manifest: BundleManifest = parseManifest({
  schemaVersion: 1,
  name: "unit",
  version: "1.0.0",
  createdAt: "2026-01-01T00:00:00Z",
  image: { size: 16, channels: 3 },
  grid: { rows: 4, cols: 4 },
  codebookSize: 8,
  text: { tokenizerFile: "t.json", vocabSize: 7, maxTokens: 8, specialTokens: { pad: 0, unk: 1, bos: 2, eos: 3 } },
  prior: {
    file: "p.onnx",
    layers: 1,
    heads: 1,
    kvHeads: 1,
    headDim: 4,
    embedDim: 4,
    textLength: 8,
    logitsSize: 8,
    imageTokenOffset: 7,
    logitsLastOnly: true,
  },
  vq: { encoderFile: "e.onnx", decoderFile: "d.onnx", fillerCode: 0 },
  clip: {
    textFile: "ct.onnx",
    visionFile: "cv.onnx",
    embedDim: 4,
    textLength: 8,
    imageSize: 16,
    mean: [0.5, 0.5, 0.5],
    std: [0.25, 0.25, 0.25],
    logitScale: 100,
  },
  sampling: { n: 4, temperature: 0.9, topK: 5, topP: 0.95, guidanceScale: 3 },
  files: { "t.json": file, "p.onnx": file, "e.onnx": file, "d.onnx": file, "ct.onnx": file, "cv.onnx": file },
  training: {},
  metrics: {},
});
const tokenizer = {
  version: "1.0",
  added_tokens: [],
  normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, lowercase: true },
  pre_tokenizer: { type: "BertPreTokenizer" },
  post_processor: null,
  decoder: null,
  model: {
    type: "WordPiece",
    unk_token: "[UNK]",
    continuing_subword_prefix: "##",
    max_input_chars_per_word: 100,
    vocab: { "[PAD]": 0, "[UNK]": 1, "[BOS]": 2, "[EOS]": 3, red: 4, star: 5, a: 6 },
  },
};
const encoder = new PromptEncoder(tokenizer, manifest);
const build = (input: unknown) => buildJob("id", input as never, manifest, encoder);

function expectBadInput(input: unknown, message: RegExp) {
  try {
    build(input);
  } catch (e) {
    expect(e).toBeInstanceOf(TesseraError);
    expect((e as TesseraError).code).toBe("BAD_USER_INPUT");
    expect((e as TesseraError).message).toMatch(message);
    return;
  }
  throw new Error("expected BAD_USER_INPUT");
}

describe("buildJob", () => {
  it("frames the caption, reports unknown words and fills defaults from the manifest", () => {
    const { spec, unknownWords } = build({ prompt: "A red zebra star", n: 2, seed: 5 });
    expect(spec.textIds).toEqual([2, 6, 4, 1, 5, 3, 0, 0]);
    expect(spec.uncondIds).toEqual([2, 3, 0, 0, 0, 0, 0, 0]);
    expect(unknownWords).toEqual(["zebra"]);
    expect(spec.settings).toEqual({ temperature: 0.9, topK: 5, topP: 0.95, guidanceScale: 3 });
    expect(spec.guided).toBe(true);
  });

  it("truncates long captions to textLength − 2 tokens", () => {
    const { spec } = build({ prompt: "red ".repeat(20), n: 1, seed: 0 });
    expect(spec.textIds).toEqual([2, 4, 4, 4, 4, 4, 4, 3]);
  });

  it("skips the unconditional rows for guidance 0 and 1", () => {
    expect(build({ prompt: "red", n: 1, seed: 0, params: { guidanceScale: 1 } }).spec.guided).toBe(false);
    expect(build({ prompt: "red", n: 1, seed: 0, params: { guidanceScale: 0 } }).spec.guided).toBe(false);
  });

  it("keeps the source's first rows for image completion", () => {
    const tokens = Array.from({ length: 16 }, (_, i) => i % 8);
    expect(build({ prompt: "red", n: 1, seed: 0, source: { tokens, keepRows: 2 } }).spec.keepTokens).toEqual(
      tokens.slice(0, 8),
    );
  });

  it("rejects bad input with BAD_USER_INPUT", () => {
    expectBadInput({ prompt: "   ", n: 1, seed: 0 }, /empty/);
    expectBadInput({ prompt: "x".repeat(301), n: 1, seed: 0 }, /300 characters/);
    expectBadInput({ prompt: "red", n: 0, seed: 0 }, /n must be at least 1/);
    expectBadInput({ prompt: "red", n: 17, seed: 0 }, /n must be at most 16/);
    expectBadInput({ prompt: "red", n: 1.5, seed: 0 }, /whole number/);
    expectBadInput({ prompt: "red", n: 1, seed: -1 }, /negative/);
    expectBadInput({ prompt: "red", n: 1, seed: 0, params: { temperature: Number.NaN } }, /temperature/);
    expectBadInput({ prompt: "red", n: 1, seed: 0, params: { temperature: -1 } }, /temperature/);
    expectBadInput({ prompt: "red", n: 1, seed: 0, params: { topP: 0 } }, /topP/);
    expectBadInput({ prompt: "red", n: 1, seed: 0, params: { guidanceScale: -2 } }, /negative/);
    expectBadInput({ prompt: "red", n: 1, seed: 0, source: { tokens: [1, 2], keepRows: 1 } }, /16 codes/);
    expectBadInput({ prompt: "red", n: 1, seed: 0, source: { tokens: new Array(16).fill(9), keepRows: 1 } }, /below 8/);
    expectBadInput(
      { prompt: "red", n: 1, seed: 0, source: { tokens: new Array(16).fill(1), keepRows: 4 } },
      /keepRows/,
    );
    expectBadInput(null, /request/);
  });
});
