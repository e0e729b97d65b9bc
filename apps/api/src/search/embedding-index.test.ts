import { describe, expect, it } from "vitest";
import { readFloat4Array } from "./embedding-index.ts";

/** PostgreSQL's binary array format (array_send) of a one-dimensional real[], as the server writes it. */
function arraySend(values: number[], opts: { nullAt?: number } = {}): Uint8Array {
  const buf = new DataView(new ArrayBuffer(20 + values.length * 8));
  buf.setInt32(0, 1); // dimensions
  buf.setInt32(4, opts.nullAt === undefined ? 0 : 1); // has nulls
  buf.setInt32(8, 700); // float4's type oid
  buf.setInt32(12, values.length);
  buf.setInt32(16, 1); // lower bound
  values.forEach((v, d) => {
    buf.setInt32(20 + d * 8, d === opts.nullAt ? -1 : 4);
    buf.setFloat32(24 + d * 8, v);
  });
  return new Uint8Array(buf.buffer);
}

describe("readFloat4Array", () => {
  it("reads a real[] from PostgreSQL's binary format into its row, bit for bit", () => {
    const values = [0.1, -0.25, 1 / 3, 1e-30];
    const out = new Float32Array(12);
    readFloat4Array(arraySend(values), out, 4, 4);
    expect(Array.from(out.subarray(4, 8))).toEqual(values.map(Math.fround));
    expect(Array.from(out.subarray(0, 4))).toEqual([0, 0, 0, 0]);
  });

  it("leaves NaN for an array of another size or with a NULL (it scores nothing, as NULL in SQL)", () => {
    const out = new Float32Array(4);
    readFloat4Array(arraySend([1, 2, 3]), out, 0, 4);
    expect(out.every(Number.isNaN)).toBe(true);
    const withNull = new Float32Array(4);
    readFloat4Array(arraySend([1, 2, 3, 4], { nullAt: 2 }), withNull, 0, 4);
    expect(Number.isNaN(withNull[2]!)).toBe(true);
    expect(withNull[0]).toBe(1);
  });
});
