/**
 * The pixels of a candidate's token mosaic: one pixel per grid cell (the page scales it up, pixelated),
 * each token in its code's palette colour (the model's `palette`, 0xRRGGBB). Cells before `fromRow` are
 * left transparent because the decoded preview under the mosaic already shows them properly, and so are
 * cells with no token yet. RGBA, row-major, as `ImageData` wants.
 */
export function mosaicPixels(
  tokens: readonly number[],
  fromRow: number,
  grid: { rows: number; cols: number },
  palette: readonly number[],
): Uint8ClampedArray<ArrayBuffer> {
  const cells = grid.rows * grid.cols;
  const px = new Uint8ClampedArray(new ArrayBuffer(cells * 4));
  const end = Math.min(tokens.length, cells);
  for (let k = Math.max(0, fromRow * grid.cols); k < end; k++) {
    const colour = palette[tokens[k]!];
    if (colour === undefined) continue; // a code the palette doesn't know stays unpainted
    px[k * 4] = (colour >> 16) & 255;
    px[k * 4 + 1] = (colour >> 8) & 255;
    px[k * 4 + 2] = colour & 255;
    px[k * 4 + 3] = 255;
  }
  return px;
}
