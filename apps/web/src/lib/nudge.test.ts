import { describe, expect, it } from "vitest";
import { nudgeOffset } from "./nudge.ts";

describe("nudgeOffset", () => {
  it("moves 10 board units per arrow, 50 with Shift", () => {
    // Literal numbers: the test states the behaviour, it does not re-read the module's constants.
    expect(nudgeOffset("ArrowRight", false)).toEqual({ dx: 10, dy: 0 });
    expect(nudgeOffset("ArrowLeft", false)).toEqual({ dx: -10, dy: 0 });
    expect(nudgeOffset("ArrowUp", true)).toEqual({ dx: 0, dy: -50 });
    expect(nudgeOffset("ArrowDown", true)).toEqual({ dx: 0, dy: 50 });
  });

  it("ignores every other key", () => {
    expect(nudgeOffset("a", false)).toBeNull();
    expect(nudgeOffset("Enter", true)).toBeNull();
  });
});
