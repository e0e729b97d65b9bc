import type { RunnerEvent } from "@tessera/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Runner } from "../src/runner.ts";
import { BUNDLE_DIR, collect, finalTokens, streamedTokens } from "./helpers.ts";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe("Runner.generate", () => {
  let runner: Runner;
  beforeAll(async () => {
    runner = await Runner.create({ modelDir: BUNDLE_DIR, previewEveryRows: 4 });
  });
  afterAll(() => runner?.close());

  // Generations are the slow part: tests share results and run independent requests concurrently.
  let firstGrid: number[] = [];

  it("streams started, row chunks, previews, finished candidates, a ranking and timings", async () => {
    const model = runner.model();
    const before = performance.eventLoopUtilization();
    const events = await collect(runner.generate({ prompt: "a red zebra star", n: 2, seed: 11 }));
    // Inference runs on the engine thread: this thread's event loop stays mostly idle (near 1 if it ran here).
    expect(performance.eventLoopUtilization(before).utilization).toBeLessThan(0.5);
    firstGrid = finalTokens(events)[0]!;
    const types = events.map((e) => e.type);
    expect(types[0]).toBe("started");
    expect(types.at(-1)).toBe("finished");
    const started = events[0] as Extract<RunnerEvent, { type: "started" }>;
    expect(started.unknownWords).toEqual(runner.tokenize("a red zebra star").unknownWords);
    expect(started).toMatchObject({ n: 2, rows: model.gridRows, cols: model.gridCols });
    const chunks = events.filter((e) => e.type === "tokens");
    expect(chunks).toHaveLength(2 * model.gridRows);
    for (const c of chunks) expect(c.type === "tokens" && c.tokens.length).toBe(model.gridCols);
    expect(streamedTokens(events)).toEqual(finalTokens(events));
    const previews = events.filter((e) => e.type === "preview");
    expect(previews.length).toBe(2 * (Math.ceil(model.gridRows / 4) - 1));
    for (const e of events) {
      if (e.type === "preview" || e.type === "candidateFinished")
        expect([...e.png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    }
    const ranking = events.find((e) => e.type === "ranking");
    expect(ranking?.type === "ranking" && ranking.ranking.map((r) => r.rank).sort()).toEqual([1, 2]);
    const finished = events.at(-1)!;
    expect(finished.type === "finished" && finished.timings.steps).toBe(model.gridRows * model.gridCols - 1);
  });

  it("is deterministic: the same seed gives the same tokens, another seed different ones", async () => {
    const req = { prompt: "a large red star in the top left", n: 2, seed: 1, params: { temperature: 1.0 } };
    const [a, b, c] = (await Promise.all([req, req, { ...req, seed: 2 }].map((r) => collect(runner.generate(r))))).map(
      finalTokens,
    );
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    expect(a![0]).not.toEqual(a![1]);
  });

  it("completes an image: the kept rows stay exactly as in the source", async () => {
    const { gridCols } = runner.model();
    const source = firstGrid;
    expect(source).toHaveLength(runner.model().gridRows * gridCols);
    const keepRows = 5;
    const events = await collect(
      runner.generate({ prompt: "a blue circle", n: 3, seed: 99, source: { tokens: source!, keepRows } }),
    );
    const grids = finalTokens(events);
    for (const g of grids) expect(g.slice(0, keepRows * gridCols)).toEqual(source!.slice(0, keepRows * gridCols));
    expect(grids.some((g) => g.slice(keepRows * gridCols).join() !== source!.slice(keepRows * gridCols).join())).toBe(
      true,
    );
    expect(streamedTokens(events)).toEqual(grids);
  });

  it("renders a stored token grid to a PNG of the model's size", async () => {
    const { gridRows, gridCols, imageSize } = runner.model();
    const png = await runner.renderPng(new Array(gridRows * gridCols).fill(1));
    expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    const view = new DataView(png.buffer, png.byteOffset);
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([imageSize, imageSize]);
    await expect(runner.renderPng([1, 2, 3])).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
  });
});
