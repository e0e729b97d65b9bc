import type { RunnerEvent } from "@tessera/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Runner } from "../src/runner.ts";
import { BUNDLE_DIR, collect, finalTokens } from "./helpers.ts";

type Ranking = Extract<RunnerEvent, { type: "ranking" }>["ranking"];
const ranking = (events: RunnerEvent[]): Ranking =>
  (events.find((e) => e.type === "ranking") as Extract<RunnerEvent, { type: "ranking" }>).ranking;

// "Without …" (issue 17 item 2): the negative prompt is the guidance stream's condition, and CLIP's ranking
// subtracts each image's similarity to it.
describe("negative prompt", () => {
  let runner: Runner;
  beforeAll(async () => {
    runner = await Runner.create({ modelDir: BUNDLE_DIR });
  });
  afterAll(() => runner?.close());
  const base = { prompt: "a red apple in the top left corner", n: 4, seed: 21 };

  it("steers sampling when guided: the same seed draws other images", async () => {
    const params = { guidanceScale: 3 };
    const [plain, without] = await Promise.all([
      collect(runner.generate({ ...base, params })),
      collect(runner.generate({ ...base, params: { ...params, negativePrompt: "red" } })),
    ]);
    expect(finalTokens(without)).toHaveLength(4);
    expect(finalTokens(without)).not.toEqual(finalTokens(plain));
  });

  it("ranks by similarity to the prompt minus similarity to the negative; the shown score stays the prompt's", async () => {
    // Unguided, the negative prompt can't change the images, only the ranking. Negating the prompt itself makes
    // every penalised score 0: ties, ranked by candidate order, while the reported scores are unchanged.
    const params = { guidanceScale: 1 };
    const [plain, self] = await Promise.all([
      collect(runner.generate({ ...base, params })),
      collect(runner.generate({ ...base, params: { ...params, negativePrompt: base.prompt } })),
    ]);
    expect(finalTokens(self)).toEqual(finalTokens(plain));
    expect(ranking(self).map((r) => r.score)).toEqual(ranking(plain).map((r) => r.score));
    expect(ranking(self).map((r) => r.rank)).toEqual([1, 2, 3, 4]);
    // The plain ranking had something to order, in another order than the candidates' (seed 21): without the
    // penalty the two rankings would be equal.
    expect(ranking(plain).map((r) => r.rank)).not.toEqual([1, 2, 3, 4]);
  });

  it("is validated like a prompt: trimmed, empty means none, bounded, no broken characters", async () => {
    const empty = await collect(
      runner.generate({ ...base, n: 1, params: { guidanceScale: 1, negativePrompt: "   " } }),
    );
    expect(empty.at(-1)?.type).toBe("finished");
    await expect(collect(runner.generate({ ...base, params: { negativePrompt: "x".repeat(301) } }))).rejects.toThrow(
      /"Without" is limited to 300 characters/,
    );
    await expect(collect(runner.generate({ ...base, params: { negativePrompt: "red \ud800" } }))).rejects.toThrow(
      /broken character/,
    );
  });
});
