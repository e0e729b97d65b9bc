import { describe, expect, it } from "vitest";
import { candidateName } from "./candidateName.ts";

describe("candidateName", () => {
  it("is the CLIP rank once ranked, the place in the generation before", () => {
    expect(candidateName({ index: 4, rank: 2 })).toBe("candidate #2");
    expect(candidateName({ index: 4, rank: null })).toBe("candidate 5");
  });
});
