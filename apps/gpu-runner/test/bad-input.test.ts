import { type GenerationRequestInput, TesseraError } from "@tessera/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Runner } from "../src/runner.ts";
import { BUNDLE_DIR, collect } from "./helpers.ts";

describe("bad requests", () => {
  let runner: Runner;
  beforeAll(async () => {
    runner = await Runner.create({ modelDir: BUNDLE_DIR, previewEveryRows: 0 });
  });
  afterAll(() => runner?.close());

  const bad: [string, unknown][] = [
    ["empty prompt", { prompt: "  ", n: 1, seed: 0 }],
    ["oversized prompt", { prompt: "star ".repeat(100), n: 1, seed: 0 }],
    ["n = 0", { prompt: "a star", n: 0, seed: 0 }],
    ["n = 17", { prompt: "a star", n: 17, seed: 0 }],
    ["NaN temperature", { prompt: "a star", n: 1, seed: 0, params: { temperature: Number.NaN } }],
    ["negative temperature", { prompt: "a star", n: 1, seed: 0, params: { temperature: -0.5 } }],
    ["negative guidance", { prompt: "a star", n: 1, seed: 0, params: { guidanceScale: -1 } }],
    ["NaN top-p", { prompt: "a star", n: 1, seed: 0, params: { topP: Number.NaN } }],
    ["negative seed", { prompt: "a star", n: 1, seed: -3 }],
    ["wrong source size", { prompt: "a star", n: 1, seed: 0, source: { tokens: [1, 2, 3], keepRows: 1 } }],
    ["not an object", "a star"],
  ];

  it.each(bad)("rejects %s with BAD_USER_INPUT on the first next(), and keeps serving", async (_, request) => {
    const err = await collect(runner.generate(request as GenerationRequestInput)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TesseraError);
    expect((err as TesseraError).code).toBe("BAD_USER_INPUT");
    expect(runner.stats().inFlight).toBe(0);
  });

  it("still generates after all of them", async () => {
    const events = await collect(runner.generate({ prompt: "a star", n: 1, seed: 0 }));
    expect(events.at(-1)?.type).toBe("finished");
  });
});
