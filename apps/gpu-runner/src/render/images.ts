import { createHash } from "node:crypto";
import type { BundleManifest } from "@tessera/shared";
import ort from "onnxruntime-node";
import { PNG } from "pngjs";

/** Decoded images, NCHW float32 in [0,1] as the VQ decoder returns them. */
export interface DecodedImages {
  count: number;
  size: number;
  data: Float32Array;
}

/** Decodes token grids (each rows·cols codes, raster order) in one batch with the VQ decoder. */
export async function decodeGrids(
  decoder: ort.InferenceSession,
  m: BundleManifest,
  grids: ArrayLike<number>[],
): Promise<DecodedImages> {
  const { rows, cols } = m.grid;
  const codes = new BigInt64Array(grids.length * rows * cols);
  grids.forEach((g, i) => {
    for (let k = 0; k < rows * cols; k++) codes[i * rows * cols + k] = BigInt(g[k]!);
  });
  const out = await decoder.run({ codes: new ort.Tensor("int64", codes, [grids.length, rows, cols]) });
  return { count: grids.length, size: m.image.size, data: out.images!.data as Float32Array };
}

/**
 * A picture to image codes (an upload to start from): size·size·3 RGB bytes, row-major, into the VQ encoder
 * as NCHW floats in [0, 1] (what the lab trained it on); the codes come back raster order, rows·cols.
 */
export async function encodeImage(encoder: ort.InferenceSession, rgb: Uint8Array, size: number): Promise<number[]> {
  if (rgb.length !== size * size * 3) throw new Error(`expected ${size}×${size} RGB, got ${rgb.length} bytes`);
  const plane = size * size;
  const pixels = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) pixels[c * plane + p] = rgb[p * 3 + c]! / 255;
  }
  const out = await encoder.run({ images: new ort.Tensor("float32", pixels, [1, 3, size, size]) });
  return Array.from(out.codes!.data as BigInt64Array, Number);
}

/** Image `index` as uint8 RGB, HWC row-major, round(clamp(x,0,1)·255): the lab's checksum layout. */
export function toRgb8(images: DecodedImages, index: number): Uint8Array {
  const S = images.size;
  const plane = S * S;
  const base = index * 3 * plane;
  const rgb = new Uint8Array(plane * 3);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      const x = images.data[base + c * plane + p]!;
      rgb[p * 3 + c] = roundHalfEven(Math.fround(Math.max(0, Math.min(1, x)) * 255));
    }
  }
  return rgb;
}

/** numpy's and torch's rounding (half to even), applied to the float32 product as they compute it. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function rgbSha256(rgb: Uint8Array): string {
  return createHash("sha256").update(rgb).digest("hex");
}

/** PNG-encodes an RGB image with pngjs (colour type 2, no alpha). */
export function encodePng(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength);
  const buf = PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
  // A copy, not a view: small Buffers share Node's pool, and events may be transferred between threads.
  return new Uint8Array(buf);
}

/** A grid's tokens with positions from `done` on replaced by the filler code (preview frames). */
export function withFiller(tokens: ArrayLike<number>, done: number, total: number, filler: number): Int32Array {
  const grid = new Int32Array(total).fill(filler);
  for (let k = 0; k < done; k++) grid[k] = tokens[k]!;
  return grid;
}
