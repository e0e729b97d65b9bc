import { PNG } from "pngjs";

/** Each pixel of a PNG as a `factor`×`factor` square (nearest neighbour): the model's pixels, crisp, larger. */
export function upscalePng(png: Uint8Array, factor: number): Buffer {
  const src = PNG.sync.read(Buffer.from(png));
  const out = new PNG({ width: src.width * factor, height: src.height * factor });
  for (let y = 0; y < out.height; y++) {
    const sy = Math.floor(y / factor);
    for (let x = 0; x < out.width; x++) {
      const s = (sy * src.width + Math.floor(x / factor)) * 4;
      const d = (y * out.width + x) * 4;
      out.data[d] = src.data[s]!;
      out.data[d + 1] = src.data[s + 1]!;
      out.data[d + 2] = src.data[s + 2]!;
      out.data[d + 3] = src.data[s + 3]!;
    }
  }
  return PNG.sync.write(out);
}

/**
 * One picture of many: the PNGs in rows of `columns`, `gap` pixels apart on white (all the same size, the
 * model's). Returns null for none.
 */
export function contactSheet(pngs: Uint8Array[], columns = 8, gap = 4): Buffer | null {
  if (pngs.length === 0) return null;
  const tiles = pngs.map((p) => PNG.sync.read(Buffer.from(p)));
  const size = tiles[0]!.width;
  const cols = Math.min(columns, tiles.length);
  const rows = Math.ceil(tiles.length / cols);
  const sheet = new PNG({ width: cols * size + (cols + 1) * gap, height: rows * size + (rows + 1) * gap });
  sheet.data.fill(255);
  tiles.forEach((t, i) => {
    const ox = gap + (i % cols) * (size + gap);
    const oy = gap + Math.floor(i / cols) * (size + gap);
    for (let y = 0; y < Math.min(size, t.height); y++)
      t.data.copy(
        sheet.data,
        ((oy + y) * sheet.width + ox) * 4,
        y * t.width * 4,
        (y * t.width + Math.min(size, t.width)) * 4,
      );
  });
  return PNG.sync.write(sheet);
}
