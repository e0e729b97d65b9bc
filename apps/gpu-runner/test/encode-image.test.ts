import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Runner } from "../src/runner.ts";
import { BUNDLE_DIR, collect, finalTokens } from "./helpers.ts";

/** Peak signal-to-noise ratio of two RGB byte arrays, in dB. */
function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
  return 10 * Math.log10((255 * 255) / (se / a.length));
}

function rgbOf(png: Uint8Array): Uint8Array {
  const img = PNG.sync.read(Buffer.from(png));
  const out = new Uint8Array(img.width * img.height * 3);
  for (let p = 0; p < img.width * img.height; p++) out.set(img.data.subarray(p * 4, p * 4 + 3), p * 3);
  return out;
}

// Issue 17 item 3: a picture becomes image codes with the bundle's VQ encoder, so the prior can complete it.
describe("readPicture", () => {
  let runner: Runner;
  beforeAll(async () => {
    runner = await Runner.create({ modelDir: BUNDLE_DIR, previewEveryRows: 0 });
  });
  afterAll(() => runner?.close());

  it("round-trips a picture the model drew: its codes come back and the picture survives (PSNR bound)", async () => {
    const run = await collect(runner.generate({ prompt: "a red apple", n: 1, seed: 3, params: {} }));
    const tokens = finalTokens(run)[0]!;
    const picture = rgbOf(await runner.renderPng(tokens));
    const codes = (await runner.readPicture(picture)).tokens;
    expect(codes).toHaveLength(runner.model().gridRows * runner.model().gridCols);
    const same = codes.filter((c, i) => c === tokens[i]).length / codes.length;
    const back = rgbOf(await runner.renderPng(codes));
    // Measured here: 75 % of the codes come back identical (others are near-duplicates: 42 dB); the bounds
    // leave room for float differences across CPUs.
    expect(same).toBeGreaterThan(0.6);
    expect(psnr(picture, back)).toBeGreaterThan(30);
  });

  it("reads a picture as a candidate is stored: its codes, the PNG they decode to, its CLIP embedding and tags", async () => {
    const run = await collect(runner.generate({ prompt: "a red apple", n: 1, seed: 5, params: {} }));
    const drawn = run.find((e) => e.type === "candidateFinished")!;
    if (drawn.type !== "candidateFinished") throw new Error("no candidate");
    const reading = await runner.readPicture(rgbOf(drawn.png));
    expect(Buffer.from(reading.png).equals(Buffer.from(await runner.renderPng(reading.tokens)))).toBe(true);
    expect(reading.embedding).toHaveLength(drawn.embedding!.length);
    let norm = 0;
    let cosine = 0;
    for (let d = 0; d < reading.embedding.length; d++) {
      norm += reading.embedding[d]! ** 2;
      cosine += reading.embedding[d]! * drawn.embedding![d]!;
    }
    expect(Math.sqrt(norm)).toBeCloseTo(1, 4);
    // The same picture, through the encoder and back (42 dB): CLIP sees nearly the same thing, and names it
    // as it named the candidate.
    expect(cosine).toBeGreaterThan(0.95);
    expect(reading.tags[0]).toBe(drawn.tags![0]);
  });

  it("refuses a picture of the wrong size with a readable message", async () => {
    await expect(runner.readPicture(new Uint8Array(10))).rejects.toThrow(/must be 128×128 RGB/);
  });
});
