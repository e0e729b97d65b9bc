import type { BundleManifest } from "@tessera/shared";
import type ort from "onnxruntime-node";
import { decodeGrids, toRgb8 } from "./images.ts";

/**
 * Uniform grids decoded per call. The decoder runs synchronously on the engine's thread, so each call holds
 * up the generations streaming there: 8 codes take ~10 ms (tessera-tiny; 64 took 70–90), and the whole set
 * about as long as in bigger batches (~0.55 s).
 */
const BATCH = 8;

/** The pixels one grid cell covers in the decoded image. */
export function cellSize(m: BundleManifest): { width: number; height: number } {
  return { width: m.image.size / m.grid.cols, height: m.image.size / m.grid.rows };
}

/**
 * What each image code looks like, as the VQ decoder paints it: for every code, the centre cell of a grid
 * made of that code alone — cell height × width RGB pixels, code after code (raster order within a
 * cell). Browsers paint each token with its patch the moment it arrives, before a decoded preview exists;
 * the decoder blends neighbouring codes, so a patch is the code's look, not the final pixels, but much
 * nearer to them than one flat colour per code. Computed from the decoder itself, so any exported model
 * gets its own.
 */
export async function tokenPatches(
  decoder: ort.InferenceSession,
  m: BundleManifest,
  /** Awaited before each call: where the caller lets other work on its thread go first. */
  between: () => Promise<void> = nextTurn,
): Promise<Uint8Array> {
  const { width, height } = cellSize(m);
  if (!Number.isInteger(width) || !Number.isInteger(height)) {
    throw new Error(`image size ${m.image.size} is not a whole number of ${m.grid.rows}×${m.grid.cols} grid cells`);
  }
  const cells = m.grid.rows * m.grid.cols;
  const patchBytes = width * height * 3;
  const out = new Uint8Array(m.codebookSize * patchBytes);
  const top = Math.floor(m.grid.rows / 2) * height;
  const left = Math.floor(m.grid.cols / 2) * width;
  for (let first = 0; first < m.codebookSize; first += BATCH) {
    const count = Math.min(BATCH, m.codebookSize - first);
    const grids = Array.from({ length: count }, (_, i) => new Int32Array(cells).fill(first + i));
    await between();
    const images = await decodeGrids(decoder, m, grids);
    for (let i = 0; i < count; i++) {
      const rgb = toRgb8(images, i);
      for (let y = 0; y < height; y++) {
        const from = ((top + y) * images.size + left) * 3;
        out.set(rgb.subarray(from, from + width * 3), (first + i) * patchBytes + y * width * 3);
      }
    }
  }
  return out;
}

/** One turn of the event loop: the decoder's promise settles at once, so awaiting it alone would not yield. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
