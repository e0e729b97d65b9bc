import { describe, expect, it } from "vitest";
import { ordinal, QueueStore, startsIn } from "./queueStore.ts";

describe("queue words", () => {
  it("says a place in line and an estimate as a person would", () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 101].map(ordinal)).toEqual([
      "next",
      "2nd in line",
      "3rd in line",
      "4th in line",
      "11th in line",
      "12th in line",
      "13th in line",
      "21st in line",
      "22nd in line",
      "101st in line",
    ]);
    expect(startsIn(null)).toBe("");
    expect(startsIn(200)).toBe("starts in ~1 s");
    expect(startsIn(6_400)).toBe("starts in ~7 s");
    expect(startsIn(150_000)).toBe("starts in ~3 min");
  });

  it("the store tells its listeners of each new snapshot", () => {
    const s = new QueueStore();
    let calls = 0;
    const off = s.subscribe(() => calls++);
    s.set({ entries: [], waiting: 3, running: 1 });
    expect(s.get().waiting).toBe(3);
    off();
    s.set({ entries: [], waiting: 0, running: 0 });
    expect(calls).toBe(1);
  });
});
