import { describe, expect, it } from "vitest";
import { Lookahead } from "./lookahead.ts";

async function* slow(items: number[], gapMs: number) {
  for (const i of items) {
    if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
    yield i;
  }
}

describe("Lookahead", () => {
  it("gives an item that is already there, and null (losing nothing) for one that is not", async () => {
    const buffered = new Lookahead(slow([1, 2, 3], 0));
    expect(await buffered.nextIfReady()).toBe(1);
    expect((await buffered.next()).value).toBe(2);

    const it = new Lookahead(slow([1, 2], 30));
    expect(await it.nextIfReady()).toBeNull(); // 30 ms away: not ready on this turn of the loop
    expect((await it.next()).value).toBe(1); // the same pending item, not a skipped one
    expect((await it.next()).value).toBe(2);
    expect(await it.nextIfReady()).toBeNull(); // the end is not an item…
    expect((await it.next()).done).toBe(true); // …and stays for next()
  });

  it("surfaces a failure of the source on next(), not as an unhandled rejection", async () => {
    async function* failing(): AsyncGenerator<number> {
      await new Promise((r) => setTimeout(r, 20));
      throw new Error("runner crashed");
    }
    const it = new Lookahead(failing());
    expect(await it.nextIfReady()).toBeNull();
    await expect(it.next()).rejects.toThrow("runner crashed");
  });
});
