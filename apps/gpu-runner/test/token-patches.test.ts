import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cellSize } from "../src/render/token-patches.ts";
import { Runner } from "../src/runner.ts";
import { BUNDLE_DIR } from "./helpers.ts";

describe("token patches", () => {
  let runner: Runner;
  beforeAll(async () => {
    runner = await Runner.create({ modelDir: BUNDLE_DIR });
  });
  afterAll(() => runner?.close());

  it("give every code one grid cell of pixels, computed once", async () => {
    const first = runner.tokenPatches();
    expect(runner.tokenPatches()).toBe(first); // one computation however many ask at once
    const patches = await first;
    const m = runner.bundleManifest();
    const { width, height } = cellSize(m);
    const bytes = width * height * 3;
    expect(patches).toHaveLength(m.codebookSize * bytes);
    // A trained decoder paints different codes differently (identical patches would paint nothing useful).
    const distinct = new Set<string>();
    for (let k = 0; k < m.codebookSize; k++)
      distinct.add(Buffer.from(patches.subarray(k * bytes, (k + 1) * bytes)).toString("hex"));
    expect(distinct.size).toBeGreaterThan(m.codebookSize / 4);
  });

  it("give way to generations: a generation started beside them streams its first row before they are done", async () => {
    const fresh = await Runner.create({ modelDir: BUNDLE_DIR });
    try {
      let patchesAt = 0;
      const patches = fresh.tokenPatches().then(() => {
        patchesAt = performance.now();
      });
      let firstRowAt = 0;
      for await (const e of fresh.generate(
        { prompt: "a red circle", n: 2, seed: 3 },
        { signal: AbortSignal.timeout(60_000) },
      )) {
        if (e.type === "tokens" && !firstRowAt) firstRowAt = performance.now();
      }
      await patches;
      // Computed in one go, they held the engine's thread ~0.7 s and the first row came after them.
      expect(firstRowAt).toBeGreaterThan(0);
      expect(firstRowAt).toBeLessThan(patchesAt);
    } finally {
      await fresh.close();
    }
  });

  it("are the centre cell the decoder paints for a grid of that code alone", async () => {
    const patches = await runner.tokenPatches();
    const m = runner.bundleManifest();
    const { width, height } = cellSize(m);
    const top = Math.floor(m.grid.rows / 2) * height;
    const left = Math.floor(m.grid.cols / 2) * width;
    for (const code of [0, Math.floor(m.codebookSize / 2), m.codebookSize - 1]) {
      const png = PNG.sync.read(Buffer.from(await runner.renderPng(Array(m.grid.rows * m.grid.cols).fill(code))));
      const expected: number[] = [];
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = ((top + y) * png.width + left + x) * 4;
          expected.push(png.data[i]!, png.data[i + 1]!, png.data[i + 2]!);
        }
      }
      const bytes = width * height * 3;
      expect(Array.from(patches.subarray(code * bytes, (code + 1) * bytes))).toEqual(expected);
    }
  });
});
