import { describe, expect, it } from "vitest";
import { decodePatches, mosaicPixels } from "./tokenMosaic.ts";

/** The RGBA of pixel (x, y) in a mosaic `size` wide. */
const at = (px: Uint8ClampedArray, size: number, x: number, y: number) =>
  Array.from(px.slice((y * size + x) * 4, (y * size + x) * 4 + 4));

describe("token mosaic", () => {
  // A 2 × 2 grid of 2 × 2-pixel cells (a 4 × 4 image); three codes, each patch one colour but its last pixel.
  const grid = { rows: 2, cols: 2 };
  const patch = (r: number, g: number, b: number) => [r, g, b, r, g, b, r, g, b, 9, 9, 9];
  const patches = Uint8Array.from([...patch(255, 0, 0), ...patch(0, 255, 0), ...patch(0, 0, 255)]);

  it("paints each token's cell with its code's patch and leaves cells with no token transparent", () => {
    const px = mosaicPixels([2, 0, 1], 0, grid, patches, 4);
    expect(px).toHaveLength(4 * 4 * 4);
    expect(at(px, 4, 0, 0)).toEqual([0, 0, 255, 255]); // token 0 (code 2), its cell's top left
    expect(at(px, 4, 1, 1)).toEqual([9, 9, 9, 255]); // …and its bottom right, the patch's own pixel
    expect(at(px, 4, 2, 0)).toEqual([255, 0, 0, 255]); // token 1 (code 0)
    expect(at(px, 4, 0, 2)).toEqual([0, 255, 0, 255]); // token 2 (code 1), second row
    expect(at(px, 4, 3, 3)).toEqual([0, 0, 0, 0]); // no fourth token yet
  });

  it("leaves the rows a preview already shows, and codes beyond the patches, unpainted", () => {
    const px = mosaicPixels([0, 0, 7, 1], 1, grid, patches, 4);
    expect(at(px, 4, 0, 0)).toEqual([0, 0, 0, 0]);
    expect(at(px, 4, 3, 1)).toEqual([0, 0, 0, 0]);
    expect(at(px, 4, 0, 2)).toEqual([0, 0, 0, 0]); // code 7 has no patch
    expect(at(px, 4, 2, 2)).toEqual([0, 255, 0, 255]);
  });

  it("ignores tokens beyond the grid, and decodes the API's base64", () => {
    expect(mosaicPixels(Array(10).fill(0), 0, grid, patches, 4)).toHaveLength(64);
    expect(Array.from(decodePatches(Buffer.from([1, 2, 255]).toString("base64")))).toEqual([1, 2, 255]);
  });
});
