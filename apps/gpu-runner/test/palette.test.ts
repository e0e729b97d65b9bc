import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Runner } from "../src/runner.ts";
import { BUNDLE_DIR } from "./helpers.ts";

describe("code palette", () => {
  let runner: Runner;
  beforeAll(async () => {
    runner = await Runner.create({ modelDir: BUNDLE_DIR });
  });
  afterAll(() => runner?.close());

  it("gives every code a colour, computed once", async () => {
    const first = runner.palette();
    expect(runner.palette()).toBe(first); // one computation however many ask at once
    const palette = await first;
    const { codebookSize } = runner.bundleManifest();
    expect(palette).toHaveLength(codebookSize);
    for (const c of palette) expect(Number.isInteger(c) && c >= 0 && c <= 0xffffff).toBe(true);
    // A trained decoder paints different codes differently (a constant palette would paint nothing).
    expect(new Set(palette).size).toBeGreaterThan(codebookSize / 4);
  });

  it("gives way to generations: a generation started beside it streams its first row before the palette is done", async () => {
    const fresh = await Runner.create({ modelDir: BUNDLE_DIR });
    try {
      let paletteAt = 0;
      const palette = fresh.palette().then(() => {
        paletteAt = performance.now();
      });
      let firstRowAt = 0;
      for await (const e of fresh.generate(
        { prompt: "a red circle", n: 2, seed: 3 },
        { signal: AbortSignal.timeout(60_000) },
      )) {
        if (e.type === "tokens" && !firstRowAt) firstRowAt = performance.now();
      }
      await palette;
      // Computed in one go, the palette held the engine's thread ~0.7 s and the first row came after it.
      expect(firstRowAt).toBeGreaterThan(0);
      expect(firstRowAt).toBeLessThan(paletteAt);
    } finally {
      await fresh.close();
    }
  });

  it("is the mean colour the decoder paints for a grid of that code alone", async () => {
    const palette = await runner.palette();
    const { grid, codebookSize } = runner.bundleManifest();
    for (const code of [0, Math.floor(codebookSize / 2), codebookSize - 1]) {
      const png = PNG.sync.read(Buffer.from(await runner.renderPng(Array(grid.rows * grid.cols).fill(code))));
      const mean = [0, 1, 2].map((c) => {
        let sum = 0;
        for (let p = c; p < png.data.length; p += 4) sum += png.data[p]!;
        return sum / (png.data.length / 4);
      });
      const packed = palette[code]!;
      const channels = [(packed >> 16) & 255, (packed >> 8) & 255, packed & 255];
      // The PNG's pixels are rounded before averaging, the palette's after: within one step.
      for (const [c, v] of channels.entries()) expect(Math.abs(v - mean[c]!)).toBeLessThanOrEqual(1);
    }
  });
});
