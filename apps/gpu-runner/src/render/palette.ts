import type { BundleManifest } from "@tessera/shared";
import type ort from "onnxruntime-node";
import { decodeGrids } from "./images.ts";

/** Uniform grids decoded per call: 64 keeps the decoder's activations to tens of MB. */
const BATCH = 64;

/**
 * One colour per image code, packed 0xRRGGBB: the mean of what the VQ decoder paints for a grid made of
 * that code alone. Browsers paint each token with it the moment it arrives, before a decoded preview
 * exists — the decoder mixes neighbouring codes, so this is the code's colour, not its exact pixels.
 * Computed once per bundle, from the decoder itself, so any exported model gets its own.
 */
export async function codePalette(decoder: ort.InferenceSession, m: BundleManifest): Promise<number[]> {
  const cells = m.grid.rows * m.grid.cols;
  const palette: number[] = [];
  for (let first = 0; first < m.codebookSize; first += BATCH) {
    const count = Math.min(BATCH, m.codebookSize - first);
    const grids = Array.from({ length: count }, (_, i) => new Int32Array(cells).fill(first + i));
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
