import { describe, expect, it } from "vitest";
import { mosaicPixels } from "./tokenMosaic.ts";

const rgba = (px: Uint8ClampedArray, cell: number) => Array.from(px.slice(cell * 4, cell * 4 + 4));

describe("token mosaic", () => {
  const grid = { rows: 3, cols: 2 };
  const palette = [0xff0000, 0x00ff00, 0x0000ff];

  it("paints each token in its code's colour and leaves cells with no token transparent", () => {
    const px = mosaicPixels([2, 0, 1], 0, grid, palette);
    expect(px).toHaveLength(3 * 2 * 4);
    expect(rgba(px, 0)).toEqual([0, 0, 255, 255]);
    expect(rgba(px, 1)).toEqual([255, 0, 0, 255]);
    expect(rgba(px, 2)).toEqual([0, 255, 0, 255]);
    expect(rgba(px, 3)).toEqual([0, 0, 0, 0]);
  });

  it("leaves the rows a preview already shows, and codes outside the palette, unpainted", () => {
    const px = mosaicPixels([0, 0, 1, 7, 2, 2], 1, grid, palette);
    expect(rgba(px, 0)).toEqual([0, 0, 0, 0]);
    expect(rgba(px, 1)).toEqual([0, 0, 0, 0]);
    expect(rgba(px, 2)).toEqual([0, 255, 0, 255]);
    expect(rgba(px, 3)).toEqual([0, 0, 0, 0]);
    expect(rgba(px, 5)).toEqual([0, 0, 255, 255]);
  });

  it("ignores tokens beyond the grid", () => {
    expect(mosaicPixels(Array(10).fill(0), 0, grid, palette)).toHaveLength(24);
  });
});
