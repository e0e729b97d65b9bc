import { describe, expect, it } from "vitest";
import { FairQueue } from "./fair-queue.ts";

const job = (id: string, boardId: string, userId = "u") => ({ id, boardId, userId });

describe("FairQueue", () => {
  it("a flooding board delays another board's run by at most one of its own", () => {
    const q = new FairQueue<ReturnType<typeof job>>();
    for (let i = 0; i < 50; i++) q.push(job(`a${i}`, "A"));
    q.push(job("b0", "B"));
    q.push(job("b1", "B"));
    expect(
      q
        .order()
        .slice(0, 5)
        .map((j) => j.id),
    ).toEqual(["a0", "b0", "a1", "b1", "a2"]);
    expect(q.size).toBe(52);
  });

  it("takes turns between people on one board, first come first served for one person", () => {
    const q = new FairQueue<ReturnType<typeof job>>();
    for (const [id, u] of [
      ["x1", "x"],
      ["x2", "x"],
      ["x3", "x"],
      ["y1", "y"],
      ["z1", "z"],
      ["y2", "y"],
    ])
      q.push(job(id!, "A", u));
    const out: string[] = [];
    for (let j = q.shift(); j; j = q.shift()) out.push(j.id);
    expect(out).toEqual(["x1", "y1", "z1", "x2", "y2", "x3"]);
    expect(q.size).toBe(0);
  });

  it("order() does not change the queue; remove() takes an item out wherever it waits", () => {
    const q = new FairQueue<ReturnType<typeof job>>();
    q.push(job("a0", "A"));
    q.push(job("a1", "A"));
    q.push(job("b0", "B"));
    expect(q.order().map((j) => j.id)).toEqual(["a0", "b0", "a1"]);
    expect(q.order().map((j) => j.id)).toEqual(["a0", "b0", "a1"]);
    expect(q.remove("b0")?.id).toBe("b0");
    expect(q.remove("b0")).toBeUndefined();
    expect(q.order().map((j) => j.id)).toEqual(["a0", "a1"]);
    q.push(job("c0", "C"));
    expect(q.shift()?.id).toBe("a0");
    expect(q.order().map((j) => j.id)).toEqual(["c0", "a1"]);
    expect(q.size).toBe(2);
  });

  it("fifo (the benchmark's baseline) is one line, first come first served, items unchanged", () => {
    const q = new FairQueue<ReturnType<typeof job>>("fifo");
    for (let i = 0; i < 3; i++) q.push(job(`a${i}`, "A"));
    q.push(job("b0", "B", "v"));
    expect(q.order().map((j) => [j.id, j.boardId])).toEqual([
      ["a0", "A"],
      ["a1", "A"],
      ["a2", "A"],
      ["b0", "B"],
    ]);
  });

  it("peek() is the head of order() and countOf() counts one person's items, without changing the queue", () => {
    const q = new FairQueue<ReturnType<typeof job>>();
    expect(q.peek()).toBeUndefined();
    for (const [id, b, u] of [
      ["a0", "A", "x"],
      ["a1", "A", "y"],
      ["b0", "B", "x"],
      ["a2", "A", "x"],
    ] as const)
      q.push(job(id, b, u));
    for (let i = 0; i < 4; i++) {
      expect(q.peek()?.id).toBe(q.order()[0]?.id);
      q.shift();
    }
    q.push(job("c0", "C", "x"));
    q.push(job("c1", "C", "z"));
    expect([q.countOf("x"), q.countOf("z"), q.countOf("w"), q.size]).toEqual([1, 1, 0, 2]);
  });
});
