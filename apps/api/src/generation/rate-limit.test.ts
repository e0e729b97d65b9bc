import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate-limit.ts";

describe("RateLimiter", () => {
  it("allows max hits in any window, per key", () => {
    const l = new RateLimiter(2, 1000);
    expect([l.take("a", 0), l.take("a", 10), l.take("a", 20), l.take("b", 20)]).toEqual([true, true, false, true]);
    // The first hit leaves the window at 1000: one more fits, not two.
    expect([l.take("a", 1000), l.take("a", 1005)]).toEqual([true, false]);
  });

  it("forgets keys whose hits have all left the window", () => {
    const l = new RateLimiter(5, 1000);
    for (let i = 0; i < 1000; i++) l.take(`user-${i}`, i);
    expect(l.size).toBe(1000);
    l.take("late", 5000);
    expect(l.size).toBe(1);
  });
});
