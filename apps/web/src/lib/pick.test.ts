import { describe, expect, it } from "vitest";
import { byRank, teamPick } from "./pick.ts";

describe("team pick", () => {
  it("is the most-voted candidate, CLIP rank breaking ties, none without votes", () => {
    const c = (id: string, votes: number, rank: number | null) => ({ id, votes, rank });
    expect(teamPick([c("a", 0, 1), c("b", 0, 2)])).toBeNull();
    expect(teamPick([c("a", 1, 2), c("b", 2, 3)])?.id).toBe("b");
    expect(teamPick([c("a", 2, 3), c("b", 2, 1), c("c", 2, null)])?.id).toBe("b");
  });

  it("orders by rank once ranked and by index before", () => {
    expect(
      byRank([
        { index: 0, rank: 2 },
        { index: 1, rank: 1 },
        { index: 2, rank: null },
      ]).map((t) => t.index),
    ).toEqual([1, 0, 2]);
    expect(
      byRank([
        { index: 1, rank: null },
        { index: 0, rank: null },
      ]).map((t) => t.index),
    ).toEqual([0, 1]);
  });
});
