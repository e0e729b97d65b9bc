import { PNG } from "pngjs";

/**
 * Lays PNG images out on one sheet, left to right then top to bottom, in the given order (the CLI passes
 * them best CLIP rank first). All images must share one size.
 */
export function contactSheet(pngs: Uint8Array[], gap = 4): Uint8Array {
  if (pngs.length === 0) throw new Error("contactSheet needs at least one image");
  const images = pngs.map((b) => PNG.sync.read(Buffer.from(b)));
  const { width, height } = images[0]!;
  const cols = Math.ceil(Math.sqrt(images.length));
  const rows = Math.ceil(images.length / cols);
  const sheet = new PNG({ width: cols * width + (cols + 1) * gap, height: rows * height + (rows + 1) * gap });
  sheet.data.fill(255);
  images.forEach((img, i) => {
    if (img.width !== width || img.height !== height) throw new Error("contactSheet images must share one size");
    const x = gap + (i % cols) * (width + gap);
    const y = gap + Math.floor(i / cols) * (height + gap);
    PNG.bitblt(img, sheet, 0, 0, width, height, x, y);
  });
  return new Uint8Array(PNG.sync.write(sheet));
}
