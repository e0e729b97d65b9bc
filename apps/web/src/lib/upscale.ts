/**
 * Downloads a candidate at a useful size: the model's pixels enlarged by an integer factor with
 * nearest-neighbour sampling — every model pixel becomes a crisp square, nothing is invented or blurred (the
 * browser's default smoothing would make a soft blob of a 128-px sticker).
 */
export async function downloadUpscaled(src: string, factor: number, filename: string): Promise<void> {
  const img = new Image();
  img.src = src;
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth * factor;
  canvas.height = img.naturalHeight * factor;
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("This browser can't draw the image.");
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, "image/png"));
  if (!blob) throw new Error("This browser can't encode the image.");
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
