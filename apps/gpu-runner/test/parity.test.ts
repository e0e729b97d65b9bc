import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBundle } from "../src/bundle/load-bundle.ts";
import { clipScores } from "../src/render/clip-ranker.ts";
import { decodeGrids, rgbSha256, toRgb8 } from "../src/render/images.ts";
import { Runner } from "../src/runner.ts";
import { BUNDLE_DIR, collect, finalTokens, readFixtures } from "./helpers.ts";

// The lab's fixtures were produced by its PyTorch model; greedy decoding here must reproduce them.
describe("parity with the model lab's fixtures", () => {
  let runner: Runner;
  beforeAll(async () => {
    runner = await Runner.create({ modelDir: BUNDLE_DIR, previewEveryRows: 0 });
  });
  afterAll(() => runner?.close());

  it("tokenises prompts exactly as the lab does (English, Chinese, emoji, junk)", () => {
    for (const f of readFixtures().tokenizer) {
      expect(runner.tokenize(f.text).ids, f.text).toEqual(f.ids);
      // Whole-word bundles also list the words that became [UNK]; subword bundles never produce [UNK].
      if (f.unknownWords) expect(runner.tokenize(f.text).unknownWords, f.text).toEqual(f.unknownWords);
    }
  });

  it("reproduces the greedy token grids, image checksums and CLIP scores", async () => {
    const fixtures = readFixtures().generations;
    expect(fixtures.length).toBeGreaterThan(0);
    const bundle = await loadBundle(BUNDLE_DIR);
    try {
      for (const f of fixtures) expect(runner.tokenize(f.prompt).ids).toEqual(f.textIds);
      // All fixtures decode together in one batch: a row's tokens must not depend on its neighbours.
      const runs = await Promise.all(
        fixtures.map((f) =>
          collect(
            runner.generate({
              prompt: f.prompt,
              n: 1,
              seed: 0,
              params: { temperature: 1, topK: 1, topP: 1, guidanceScale: f.guidanceScale },
            }),
          ),
        ),
      );
      for (const [i, f] of fixtures.entries()) {
        const events = runs[i]!;
        const [tokens] = finalTokens(events);
        expect(tokens, f.prompt).toEqual(f.tokens);
        const images = await decodeGrids(bundle.vqDecoder, bundle.manifest, [tokens!]);
        const rgb = toRgb8(images, 0);
        // Bit-exact bytes are not portable: float rounding in the decoder differs between CPUs' SIMD paths
        // (an AVX-512 EPYC flips a few channel values by ±1 on one fixture that matched bit for bit on the
        // lab's machine). So the image matches the lab's checksum, or its byte sum (imageMean is the mean
        // byte / 255, exact in float64) is within a few ±1 roundings of it; a wrong decoder is thousands off.
        const sum = rgb.reduce((a, b) => a + b, 0);
        const levelsOff = Math.abs(sum - f.imageMean * 255 * rgb.length);
        if (rgbSha256(rgb) !== f.imageSha256) expect(levelsOff, f.prompt).toBeLessThan(8);
        const { scores, imageEmbeds } = await clipScores(
          bundle.clipText,
          bundle.clipVision,
          bundle.manifest,
          [f.textIds],
          images,
        );
        const score = scores[0]![0];
        expect(Math.abs(score! - f.clipScore)).toBeLessThan(1e-3);
        const ranking = events.find((e) => e.type === "ranking");
        expect(ranking?.type === "ranking" && Math.abs(ranking.ranking[0]!.score - f.clipScore)).toBeLessThan(1e-3);
        // The embedding a candidate is stored with (for search) is the one its ranking used.
        const finished = events.find((e) => e.type === "candidateFinished");
        const embedding = finished?.type === "candidateFinished" ? finished.embedding : undefined;
        expect(embedding?.length).toBe(bundle.manifest.clip.embedDim);
        expect(Math.max(...embedding!.map((x, d) => Math.abs(x - imageEmbeds[0]![d]!)))).toBeLessThan(1e-5);
      }
    } finally {
      await bundle.close();
    }
  });
});
