import { describe, expect, it } from "vitest";
import { ManifestError, parseManifest } from "./manifest.ts";

const sha = "a".repeat(64);
const file = { sha256: sha, bytes: 10 };

export function validManifest(): Record<string, unknown> {
  return {
    schemaVersion: 1,
    name: "tessera-tiny",
    version: "1.0.0",
    createdAt: "2026-11-25T07:00:00.000Z",
    image: { size: 64, channels: 3 },
    grid: { rows: 16, cols: 16 },
    codebookSize: 512,
    text: {
      tokenizerFile: "tokenizer.json",
      vocabSize: 120,
      maxTokens: 32,
      specialTokens: { pad: 0, unk: 1, bos: 2, eos: 3 },
    },
    prior: {
      file: "prior.onnx",
      layers: 4,
      heads: 8,
      kvHeads: 2,
      headDim: 32,
      embedDim: 256,
      textLength: 32,
      logitsSize: 512,
      imageTokenOffset: 120,
      logitsLastOnly: true,
    },
    vq: { encoderFile: "vq_encoder.onnx", decoderFile: "vq_decoder.onnx", fillerCode: 7 },
    clip: {
      textFile: "clip_text.onnx",
      visionFile: "clip_vision.onnx",
      embedDim: 128,
      textLength: 32,
      imageSize: 64,
      mean: [0.5, 0.5, 0.5],
      std: [0.25, 0.25, 0.25],
      logitScale: 50,
    },
    sampling: { n: 8, temperature: 1, topK: 64, topP: 1, guidanceScale: 3 },
    files: {
      "tokenizer.json": file,
      "prior.onnx": file,
      "vq_encoder.onnx": file,
      "vq_decoder.onnx": file,
      "clip_text.onnx": file,
      "clip_vision.onnx": file,
    },
    training: { seed: 1 },
    metrics: { vqPsnr: 31.2 },
  };
}

describe("parseManifest", () => {
  it("accepts a valid manifest", () => {
    const m = parseManifest(validManifest());
    expect(m.name).toBe("tessera-tiny");
    expect(m.prior.kvHeads).toBe(2);
  });

  it("rejects a missing field with a message naming it", () => {
    const m = validManifest();
    delete m.codebookSize;
    expect(() => parseManifest(m)).toThrow(ManifestError);
    expect(() => parseManifest(m)).toThrow(/codebookSize/);
  });

  it("rejects a bad digest and a path-like file name", () => {
    const m = validManifest();
    m.files = { ...(m.files as object), "../evil.onnx": file, "extra.onnx": { sha256: "xyz", bytes: 1 } };
    const msg = (() => {
      try {
        parseManifest(m);
        return "";
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(msg).toMatch(/not a valid Tessera model manifest/);
    expect(msg).toMatch(/plain file name/);
    expect(msg).toMatch(/sha256/);
  });

  it("rejects inconsistent sizes between prior and codebook", () => {
    const m = validManifest();
    (m.prior as Record<string, unknown>).logitsSize = 100;
    expect(() => parseManifest(m)).toThrow(/logitsSize \(100\) must equal codebookSize \(512\)/);
  });

  it("requires every referenced file to have a digest", () => {
    const m = validManifest();
    const files = { ...(m.files as Record<string, unknown>) };
    delete files["prior.onnx"];
    m.files = files;
    expect(() => parseManifest(m)).toThrow(/missing an entry for prior.onnx/);
  });

  it("defaults the KV cache layout to concat (older bundles, Optimum exports) and accepts a static one", () => {
    expect(parseManifest(validManifest()).prior.kvCache).toEqual({ kind: "concat" });
    const m = validManifest();
    (m.prior as Record<string, unknown>).kvCache = { kind: "static", length: 287 };
    expect(parseManifest(m).prior.kvCache).toEqual({ kind: "static", length: 287 });
  });

  it("rejects a static KV cache too short for a whole generation, and an unknown layout", () => {
    const m = validManifest();
    (m.prior as Record<string, unknown>).kvCache = { kind: "static", length: 100 };
    expect(() => parseManifest(m)).toThrow(/static KV cache of length 100 cannot hold the 287 tokens/);
    (m.prior as Record<string, unknown>).kvCache = { kind: "ring" };
    expect(() => parseManifest(m)).toThrow(/prior\.kvCache\.kind/);
  });
});
