import { describe, expect, it, vi } from "vitest";
import { TextEmbeddingCache } from "./board-search.ts";

describe("TextEmbeddingCache", () => {
  it("asks once per text, keeps the most recently used, forgets failures", async () => {
    const cache = new TextEmbeddingCache<string>(2);
    const compute = vi.fn(async (k: string) => `e:${k}`);
    expect(await cache.get("red", () => compute("red"))).toBe("e:red");
    expect(await cache.get("red", () => compute("red"))).toBe("e:red");
    expect(compute).toHaveBeenCalledTimes(1);
    await cache.get("blue", () => compute("blue"));
    await cache.get("red", () => compute("red")); // red is now the most recent: green evicts blue
    await cache.get("green", () => compute("green"));
    await cache.get("red", () => compute("red"));
    expect(compute.mock.calls.map(([k]) => k)).toEqual(["red", "blue", "green"]);
    await cache.get("blue", () => compute("blue"));
    expect(compute).toHaveBeenCalledTimes(4);

    const failing = vi.fn(async () => {
      throw new Error("runner down");
    });
    await expect(cache.get("x", failing)).rejects.toThrow("runner down");
    await expect(cache.get("x", failing)).rejects.toThrow("runner down");
    expect(failing).toHaveBeenCalledTimes(2);
  });

  it("shares one request among searches that arrive together", async () => {
    const cache = new TextEmbeddingCache<number>();
    let calls = 0;
    const compute = () => new Promise<number>((r) => setTimeout(() => r(++calls), 10));
    expect(await Promise.all([cache.get("a", compute), cache.get("a", compute)])).toEqual([1, 1]);
  });
});
