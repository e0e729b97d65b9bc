import { describe, expect, it } from "vitest";
import { ago, type BoardPromptGeneration, promptHistory } from "./promptHistory.ts";

const gen = (over: Partial<BoardPromptGeneration>): BoardPromptGeneration => ({
  id: "g",
  prompt: "a cat",
  n: 4,
  seed: 7,
  status: "FINISHED",
  createdAt: "2026-12-05T10:00:00.000Z",
  createdBy: { displayName: "Ada" },
  params: { guidanceScale: 3, temperature: 1, negativePrompt: null },
  candidates: [],
  ...over,
});

describe("promptHistory", () => {
  it("folds runs with the same prompt and settings, newest first, and keeps every setting", () => {
    const h = promptHistory([
      gen({ id: "1", createdAt: "2026-12-05T10:00:00.000Z", candidates: [{ rank: 2, imageUrl: "/images/b.png" }] }),
      gen({ id: "2", createdAt: "2026-12-05T11:00:00.000Z", candidates: [{ rank: null, imageUrl: null }] }),
      gen({
        id: "3",
        prompt: "a dog",
        seed: 9,
        createdAt: "2026-12-05T12:00:00.000Z",
        createdBy: { displayName: "Bo" },
        params: { guidanceScale: 5, temperature: 0.8, negativePrompt: "red" },
        candidates: [
          { rank: 2, imageUrl: "/images/x.png" },
          { rank: 1, imageUrl: "/images/y.png" },
        ],
      }),
      gen({ id: "4", seed: 8, createdAt: "2026-12-05T09:00:00.000Z" }),
    ]);
    expect(h.map((e) => [e.prompt, e.settings.seed, e.uses])).toEqual([
      ["a dog", 9, 1],
      ["a cat", 7, 2],
      ["a cat", 8, 1],
    ]);
    expect(h[0]).toMatchObject({
      settings: { n: 4, guidanceScale: 5, temperature: 0.8, seed: 9, negativePrompt: "red" },
      lastBy: "Bo",
      thumbnail: "/images/y.png",
    });
    // The newest run has no image yet: the older run's picture stands for the entry.
    expect(h[1]).toMatchObject({ lastAt: "2026-12-05T11:00:00.000Z", thumbnail: "/images/b.png" });
    expect(h[2]!.thumbnail).toBeNull();
  });
});

describe("ago", () => {
  it("reads as a person would say it", () => {
    const now = Date.parse("2026-12-05T12:00:00.000Z");
    expect(ago("2026-12-05T11:59:30.000Z", now)).toBe("just now");
    expect(ago("2026-12-05T11:55:00.000Z", now)).toBe("5 min ago");
    expect(ago("2026-12-05T09:00:00.000Z", now)).toBe("3 h ago");
    expect(ago("2026-12-04T12:00:00.000Z", now)).toBe("1 day ago");
    expect(ago("2026-12-01T12:00:00.000Z", now)).toBe("4 days ago");
  });
});
