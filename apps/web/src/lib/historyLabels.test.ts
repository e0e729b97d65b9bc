import { describe, expect, it } from "vitest";
import { type HistoryEntry, historyLabels, historyThumbnail } from "./historyLabels.ts";

const gen = (id: string, over: Partial<HistoryEntry> = {}): HistoryEntry => ({
  id,
  seed: 7,
  n: 4,
  keepRows: null,
  sourceCandidateId: null,
  status: "FINISHED",
  candidates: [],
  ...over,
});

describe("historyLabels", () => {
  it("names new runs and remixes by the source generation's number and the candidate's CLIP rank", () => {
    const first = gen("g1", {
      seed: 42,
      candidates: [
        { id: "c1", index: 0, rank: 2 },
        { id: "c2", index: 1, rank: 1 },
      ],
    });
    const remix = gen("g2", { seed: 9, n: 2, keepRows: 8, sourceCandidateId: "c1" });
    const failed = gen("g3", { n: 1, status: "FAILED" });
    expect(historyLabels(["g1", "g2", "g3", "g4"], [remix, first, failed])).toEqual([
      "#1 · new · 4 images · seed 42",
      "#2 · remix of #1's rank 2 (top 8 rows kept) · 2 images · seed 9",
      "#3 · new · 1 image · seed 7 · failed",
      "#4",
    ]);
  });

  it("a remix whose source is not in the card's history says so without a number", () => {
    expect(historyLabels(["g"], [gen("g", { keepRows: 4, sourceCandidateId: "elsewhere" })])).toEqual([
      "#1 · remix (top 4 rows kept) · 4 images · seed 7",
    ]);
  });
});

describe("historyThumbnail", () => {
  it("is the CLIP #1's image, else the first image there is, else none", () => {
    const c = (id: string, rank: number | null, imageUrl: string | null) => ({ id, index: 0, rank, imageUrl });
    expect(historyThumbnail(gen("g", { candidates: [c("a", 2, "/a.png"), c("b", 1, "/b.png")] }))).toBe("/b.png");
    expect(historyThumbnail(gen("g", { candidates: [c("a", null, null), c("b", null, "/b.png")] }))).toBe("/b.png");
    expect(historyThumbnail(gen("g"))).toBeNull();
    expect(historyThumbnail(undefined)).toBeNull();
  });
});
