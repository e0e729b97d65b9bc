/**
 * A picture someone uploads to start from (issue 17 item 3), decoded with sharp (libvips), never by hand:
 * PNG, JPEG or WebP, one frame, RGB or grey (CMYK is refused rather than guessed at), within the byte and
 * pixel limits — the pixel count is read from the header first, so a decompression bomb (a small file that
 * claims a huge image) is refused before any pixel is decoded. Then: EXIF orientation applied, transparency
 * flattened onto white, centre-cropped to a square and resized to the model's size, as 8-bit RGB.
 */
import { LIMITS, TesseraError } from "@tessera/shared";
import sharp, { type Metadata } from "sharp";

export type UploadRefusal =
  | "TOO_LARGE"
  | "NOT_AN_IMAGE"
  | "UNSUPPORTED_FORMAT"
  | "ANIMATED"
  | "CMYK"
  | "TOO_MANY_PIXELS";

const FORMATS = new Set(["png", "jpeg", "webp"]);

export interface DecodedUpload {
  /** size × size × 3, row-major RGB. */
  rgb: Uint8Array;
  size: number;
  format: "png" | "jpeg" | "webp";
  width: number;
  height: number;
}

/** BAD_USER_INPUT with the reason as `extensions.reason` (and the HTTP status the upload route answers). */
export function refuse(reason: UploadRefusal, message: string): TesseraError {
  return new TesseraError("BAD_USER_INPUT", message, { reason, status: reason === "TOO_LARGE" ? 413 : 415 });
}

export async function decodeUpload(bytes: Uint8Array, size: number): Promise<DecodedUpload> {
  if (bytes.byteLength > LIMITS.uploadMaxBytes) {
    throw refuse("TOO_LARGE", `Pictures are limited to ${LIMITS.uploadMaxBytes / (1024 * 1024)} MB.`);
  }
  const options = { limitInputPixels: LIMITS.uploadMaxPixels, failOn: "error" as const };
  let meta: Metadata;
  try {
    // The header only (no pixel is decoded here), without the pixel limit, so a bomb gets its own answer.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw refuse("NOT_AN_IMAGE", "That file isn't a picture Tessera can read: upload a PNG, JPEG or WebP.");
  }
  if (!meta.format || !FORMATS.has(meta.format)) {
    throw refuse(
      "UNSUPPORTED_FORMAT",
      `${(meta.format ?? "That format").toUpperCase()} isn't supported: upload a PNG, JPEG or WebP.`,
    );
  }
  if ((meta.pages ?? 1) > 1) {
    throw refuse("ANIMATED", "Animated pictures aren't supported: upload a single frame (PNG, JPEG or WebP).");
  }
  if (meta.space === "cmyk") {
    throw refuse("CMYK", "CMYK pictures (for print) aren't supported: save it as RGB and upload again.");
  }
  const width = meta.autoOrient?.width ?? meta.width ?? 0;
  const height = meta.autoOrient?.height ?? meta.height ?? 0;
  if (width * height > LIMITS.uploadMaxPixels || width === 0 || height === 0) {
    throw refuse(
      "TOO_MANY_PIXELS",
      `That picture is ${width} × ${height} pixels; at most ${(LIMITS.uploadMaxPixels / 1e6).toFixed(0)} megapixels are accepted.`,
    );
  }
  try {
    const { data, info } = await sharp(bytes, options)
      .rotate()
      .flatten({ background: "#ffffff" })
      .resize(size, size, { fit: "cover", position: "centre" })
      .toColourspace("srgb")
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.byteLength !== size * size * 3) throw new Error(`${info.channels} channels`);
    return { rgb: new Uint8Array(data), size, format: meta.format as DecodedUpload["format"], width, height };
  } catch {
    throw refuse("NOT_AN_IMAGE", "That picture is damaged and can't be read: upload a PNG, JPEG or WebP.");
  }
}
