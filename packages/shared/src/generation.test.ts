import { describe, expect, it } from "vitest";
import { generationRequestSchema } from "./generation.ts";
import { LIMITS } from "./limits.ts";

const ok = { prompt: "a large red star", n: 8, seed: 1 };

describe("generationRequestSchema", () => {
  it("trims and normalises the prompt and defaults params", () => {
    const r = generationRequestSchema.parse({ ...ok, prompt: "  a red star \n" });
    expect(r.prompt).toBe("a red star");
    expect(r.params).toEqual({});
  });

  it.each([
    [{ ...ok, prompt: "   " }, /empty/],
    [{ ...ok, prompt: "x".repeat(LIMITS.promptMaxChars + 1) }, /limited to 300/],
    [{ ...ok, n: 0 }, /at least 1/],
    [{ ...ok, n: 17 }, /at most 16/],
    [{ ...ok, n: 2.5 }, /whole number/],
    [{ ...ok, seed: -1 }, /negative/],
    [{ ...ok, params: { temperature: Number.NaN } }, /temperature/],
    [{ ...ok, params: { guidanceScale: -2 } }, /negative/],
    [{ ...ok, params: { topP: 0 } }, /topP/],
  ])("rejects %j", (input, message) => {
    const r = generationRequestSchema.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message).join(" ")).toMatch(message);
  });
});
