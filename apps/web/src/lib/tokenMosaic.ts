import { bytesFromBase64 } from "@tessera/shared";

/** The model's token patches (GraphQL `ModelInfo.tokenPatches`, base64) as bytes. */
export const decodePatches = bytesFromBase64;

/**
 * The pixels of a candidate's token mosaic, at the image's size: each token's cell painted with its code's
 * patch (the model's `tokenPatches`: per code, one cell of RGB as the VQ decoder paints that code). Cells
 * before `fromRow` are left transparent because the decoded preview under the mosaic already shows them
 * properly, and so are cells with no token yet. RGBA, row-major, as `ImageData` wants.
 */
export function mosaicPixels(
  tokens: readonly number[],
  fromRow: number,
  grid: { rows: number; cols: number },
  patches: Uint8Array,
  imageSize: number,
): Uint8ClampedArray<ArrayBuffer> {
  const px = new Uint8ClampedArray(new ArrayBuffer(imageSize * imageSize * 4));
  const cellW = imageSize / grid.cols;
  const cellH = imageSize / grid.rows;
  const patchBytes = cellW * cellH * 3;
  const end = Math.min(tokens.length, grid.rows * grid.cols);
  for (let k = Math.max(0, fromRow * grid.cols); k < end; k++) {
    const at = tokens[k]! * patchBytes;
    if (at < 0 || at + patchBytes > patches.length) continue; // a code the patches don't cover stays unpainted
    const top = Math.floor(k / grid.cols) * cellH;
    const left = (k % grid.cols) * cellW;
    for (let y = 0; y < cellH; y++) {
      for (let x = 0; x < cellW; x++) {
        const from = at + (y * cellW + x) * 3;
        const to = ((top + y) * imageSize + left + x) * 4;
        px[to] = patches[from]!;
        px[to + 1] = patches[from + 1]!;
        px[to + 2] = patches[from + 2]!;
        px[to + 3] = 255;
      }
    }
  }
  return px;
}
