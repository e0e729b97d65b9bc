import { describe, expect, it } from "vitest";
import { KvBatch } from "./kv-batch.ts";

// One layer, one head, headDim 1: each tensor is [rows, 1, cols, 1], so values read as a row of numbers.
const shape = { layers: 1, kvHeads: 1, headDim: 1 };
const rowsOf = (a: Float32Array, rows: number, cols: number) =>
  Array.from({ length: rows }, (_, r) => Array.from(a.subarray(r * cols, (r + 1) * cols)));

describe("KvBatch", () => {
  it("left-pads a shorter row when it joins and masks the padding", () => {
    const kv = new KvBatch(shape);
    const long = [Float32Array.from([1, 2, 3, 4]), Float32Array.from([5, 6, 7, 8])];
    const short = [Float32Array.from([9, 10]), Float32Array.from([11, 12])];
    kv.rebuild([
      { tensors: long, cols: 4, row: 0, realLen: 4 },
      { tensors: short, cols: 2, row: 0, realLen: 2 },
    ]);
    expect(kv.cols).toBe(4);
    expect(rowsOf(kv.tensors[0]!, 2, 4)).toEqual([
      [1, 2, 3, 4],
      [0, 0, 9, 10],
    ]);
    expect(Array.from(kv.stepMask(1), Number)).toEqual([1, 1, 1, 1, 1, 0, 0, 1, 1, 1]);
  });

  it("trims leading columns no remaining row uses when the longest row leaves", () => {
    const kv = new KvBatch(shape);
    kv.rebuild([
      { tensors: [Float32Array.from([1, 2, 3, 4]), Float32Array.from([1, 2, 3, 4])], cols: 4, row: 0, realLen: 4 },
      { tensors: [Float32Array.from([9, 10]), Float32Array.from([9, 10])], cols: 2, row: 0, realLen: 2 },
    ]);
    kv.rebuild([kv.source(1)]);
    expect(kv.cols).toBe(2);
    expect(Array.from(kv.tensors[0]!)).toEqual([9, 10]);
    expect(Array.from(kv.stepMask(1), Number)).toEqual([1, 1, 1]);
  });

  it("grows every row by one column per step", () => {
    const kv = new KvBatch(shape);
    kv.rebuild([{ tensors: [Float32Array.from([1]), Float32Array.from([1])], cols: 1, row: 0, realLen: 1 }]);
    kv.advance([Float32Array.from([1, 2]), Float32Array.from([1, 2])], 1);
    expect(kv.cols).toBe(2);
    expect(kv.realLen).toEqual([2]);
  });
});
