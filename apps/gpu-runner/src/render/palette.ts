import type { BundleManifest } from "@tessera/shared";
import type ort from "onnxruntime-node";
import { decodeGrids } from "./images.ts";

/**
 * Uniform grids decoded per call. The decoder runs synchronously on the engine's thread, so each call holds
 * up the generations streaming there: 8 codes take ~10 ms (tessera-tiny; 64 took 70–90), and the whole
 * palette about as long as in bigger batches (~0.55 s).
 */
const BATCH = 8;

/**
 * One colour per image code, packed 0xRRGGBB: the mean of what the VQ decoder paints for a grid made of
 * that code alone. Browsers paint each token with it the moment it arrives, before a decoded preview
 * exists — the decoder mixes neighbouring codes, so this is the code's colour, not its exact pixels.
 * Computed once per bundle, from the decoder itself, so any exported model gets its own.
 */
export async function codePalette(
  decoder: ort.InferenceSession,
  m: BundleManifest,
  /** Awaited before each call: where the caller lets other work on its thread go first. */
  between: () => Promise<void> = nextTurn,
): Promise<number[]> {
  const cells = m.grid.rows * m.grid.cols;
  const palette: number[] = [];
  for (let first = 0; first < m.codebookSize; first += BATCH) {
    const count = Math.min(BATCH, m.codebookSize - first);
    const grids = Array.from({ length: count }, (_, i) => new Int32Array(cells).fill(first + i));
    await between();
    const images = await decodeGrids(decoder, m, grids);
    const plane = images.size * images.size;
    for (let i = 0; i < count; i++) {
      let packed = 0;
      for (let c = 0; c < 3; c++) {
        const base = (i * 3 + c) * plane;
        let sum = 0;
        for (let p = 0; p < plane; p++) sum += Math.max(0, Math.min(1, images.data[base + p]!));
        packed = (packed << 8) | Math.round((sum / plane) * 255);
      }
      palette.push(packed);
    }
  }
  return palette;
}

/** One turn of the event loop: the decoder's promise settles at once, so awaiting it alone would not yield. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
