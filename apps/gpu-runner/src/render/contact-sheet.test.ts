import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { contactSheet } from "./contact-sheet.ts";
import { encodePng } from "./images.ts";

const solid = (v: number) => encodePng(new Uint8Array(4 * 4 * 3).fill(v), 4, 4);

describe("contactSheet", () => {
  it("lays images out in the given order on a square-ish grid with gaps", () => {
    const sheet = PNG.sync.read(Buffer.from(contactSheet([solid(10), solid(20), solid(30)], 2)));
    // 3 images → 2 columns × 2 rows of 4 px with 2 px gaps.
    expect([sheet.width, sheet.height]).toEqual([14, 14]);
    const px = (x: number, y: number) => sheet.data[(y * sheet.width + x) * 4]!;
    expect([px(2, 2), px(8, 2), px(2, 8), px(8, 8), px(0, 0)]).toEqual([10, 20, 30, 255, 255]);
  });

  it("refuses an empty list", () => {
    expect(() => contactSheet([])).toThrow(/at least one/);
  });
});
