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

  it("tokenises prompts exactly as the lab does", () => {
    for (const f of readFixtures().tokenizer) {
      expect(runner.tokenize(f.text), f.text).toEqual({ ids: f.ids, unknownWords: f.unknownWords });
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
        // imageMean is the mean byte / 255. The checksum is the strict check; the mean would still show a
        // ±1 rounding drift between PyTorch and ONNX Runtime if the sha ever differed.
        const mean = rgb.reduce((a, b) => a + b, 0) / rgb.length / 255;
        expect(Math.abs(mean - f.imageMean)).toBeLessThan(1e-4);
        expect(rgbSha256(rgb)).toBe(f.imageSha256);
        const [score] = await clipScores(bundle.clipText, bundle.clipVision, bundle.manifest, f.textIds, images);
        expect(Math.abs(score! - f.clipScore)).toBeLessThan(1e-3);
        const ranking = events.find((e) => e.type === "ranking");
        expect(ranking?.type === "ranking" && Math.abs(ranking.ranking[0]!.score - f.clipScore)).toBeLessThan(1e-3);
      }
    } finally {
      await bundle.close();
    }
  });
});
