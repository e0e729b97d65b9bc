import { describe, expect, it } from "vitest";
import { NUDGE_STEP, NUDGE_STEP_LARGE, nudgeOffset } from "./nudge.ts";

describe("nudgeOffset", () => {
  it("moves by a small step per arrow, a large one with Shift", () => {
    expect(nudgeOffset("ArrowRight", false)).toEqual({ dx: NUDGE_STEP, dy: 0 });
    expect(nudgeOffset("ArrowLeft", false)).toEqual({ dx: -NUDGE_STEP, dy: 0 });
    expect(nudgeOffset("ArrowUp", true)).toEqual({ dx: 0, dy: -NUDGE_STEP_LARGE });
    expect(nudgeOffset("ArrowDown", true)).toEqual({ dx: 0, dy: NUDGE_STEP_LARGE });
    expect(NUDGE_STEP_LARGE).toBeGreaterThan(NUDGE_STEP);
  });

  it("ignores every other key", () => {
    expect(nudgeOffset("a", false)).toBeNull();
    expect(nudgeOffset("Enter", true)).toBeNull();
  });
});
