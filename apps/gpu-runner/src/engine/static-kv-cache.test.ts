import { describe, expect, it } from "vitest";
import { StaticKvCache } from "./static-kv-cache.ts";

// One layer, one head, headDim 1, 4 slots: each tensor is [rows, 1, 4, 1], so a row reads as 4 numbers.
const shape = { layers: 1, kvHeads: 1, headDim: 1 };
const rowsOf = (a: Float32Array, rows: number) =>
  Array.from({ length: rows }, (_, r) => Array.from(a.subarray(r * 4, (r + 1) * 4)));
const pair = (...xs: number[]) => [Float32Array.from(xs), Float32Array.from(xs.map((x) => -x))];

describe("StaticKvCache", () => {
  it("copies a prefill into a row's first slots and masks the rest", () => {
    const kv = new StaticKvCache(shape, 4);
    kv.rebuild([
      { tensors: pair(1, 2, 3), cols: 3, row: 0, realLen: 3 },
      { tensors: pair(9, 10), cols: 2, row: 0, realLen: 2 },
    ]);
    const past = kv.past();
    expect(past.cols).toBe(4);
    expect(rowsOf(past.tensors[0]!, 2)).toEqual([
      [1, 2, 3, 0],
      [9, 10, 0, 0],
    ]);
    expect(rowsOf(past.tensors[1]!, 2)[1]).toEqual([-9, -10, 0, 0]);
    // [rows, 4 slots + 1 new]: real slots, then the new token.
    expect(Array.from(kv.stepMask(1), Number)).toEqual([1, 1, 1, 0, 1, 1, 1, 0, 0, 1]);
  });

  it("writes each step's new K/V into the next slot, without reallocating", () => {
    const kv = new StaticKvCache(shape, 4);
    kv.rebuild([
      { tensors: pair(1), cols: 1, row: 0, realLen: 1 },
      { tensors: pair(5, 6), cols: 2, row: 0, realLen: 2 },
    ]);
    const before = kv.past().tensors[0]!.buffer;
    kv.advance(pair(2, 7), 1);
    const past = kv.past();
    expect(past.tensors[0]!.buffer).toBe(before);
    expect(rowsOf(past.tensors[0]!, 2)).toEqual([
      [1, 2, 0, 0],
      [5, 6, 7, 0],
    ]);
    expect(kv.realLen).toEqual([2, 3]);
    expect(() => kv.advance(pair(3, 8), 2)).toThrow(/holds 4 tokens per row; row 1 would need 5/);
  });

  it("shifts later rows down in place when a row leaves, and appends a joining row", () => {
    const kv = new StaticKvCache(shape, 4);
    kv.rebuild([
      { tensors: pair(1), cols: 1, row: 0, realLen: 1 },
      { tensors: pair(2, 2), cols: 2, row: 0, realLen: 2 },
      { tensors: pair(3, 3, 3), cols: 3, row: 0, realLen: 3 },
    ]);
    const buffer = kv.past().tensors[0]!.buffer;
    kv.rebuild([kv.source(0), kv.source(2), { tensors: pair(4, 4, 4, 4), cols: 4, row: 0, realLen: 4 }]);
    expect(kv.past().tensors[0]!.buffer).toBe(buffer);
    expect(kv.realLen).toEqual([1, 3, 4]);
    expect(rowsOf(kv.past().tensors[0]!, 3).map((r, i) => r.slice(0, kv.realLen[i]))).toEqual([
      [1],
      [3, 3, 3],
      [4, 4, 4, 4],
    ]);
  });

  it("grows when the batch outgrows it, keeping every row", () => {
    const kv = new StaticKvCache(shape, 4);
    kv.rebuild([{ tensors: pair(1, 2), cols: 2, row: 0, realLen: 2 }]);
    kv.rebuild([kv.source(0), { tensors: pair(0, 5), cols: 2, row: 0, realLen: 1 }]);
    expect(rowsOf(kv.past().tensors[0]!, 2).map((r, i) => r.slice(0, kv.realLen[i]))).toEqual([[1, 2], [5]]);
    expect(() => kv.rebuild([{ tensors: pair(1, 2, 3, 4, 5), cols: 5, row: 0, realLen: 5 }])).toThrow(/does not fit/);
  });

  it("prefills against an all-masked cache of zeros", () => {
    const kv = new StaticKvCache(shape, 4);
    const p = kv.prefill(2, 2);
    expect(p.cols).toBe(4);
    expect(p.tensors[0]!.length).toBe(8);
    expect(p.tensors[0]!.every((x) => x === 0)).toBe(true);
    expect(Array.from(p.mask, Number)).toEqual([0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1]);
  });
});
