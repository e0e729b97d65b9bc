import { describe, expect, it } from "vitest";
import { rankScores } from "./clip-ranker.ts";

describe("rankScores", () => {
  it("ranks the highest score 1 and keeps candidate order on ties", () => {
    expect(rankScores([0.1, 0.3, 0.2, 0.3]).map((r) => r.rank)).toEqual([4, 1, 3, 2]);
  });
});
