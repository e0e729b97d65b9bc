import { LIMITS, TesseraError } from "@tessera/shared";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { decodeUpload } from "./decode-upload.ts";

const solid = (w: number, h: number, colour: string) =>
  sharp({ create: { width: w, height: h, channels: 3, background: colour } });

async function reason(bytes: Uint8Array): Promise<unknown> {
  try {
    await decodeUpload(bytes, 128);
  } catch (e) {
    expect(e).toBeInstanceOf(TesseraError);
    return { reason: (e as TesseraError).details?.reason, message: (e as TesseraError).message };
  }
  throw new Error("accepted");
}

describe("decodeUpload", () => {
  it("decodes PNG, JPEG and WebP to the model's size as RGB, cropping to the centre square", async () => {
    // Left half red, right half blue, 400 × 200: the centre square is half red, half blue.
    const left = await solid(200, 200, "#ff0000").png().toBuffer();
    const wide = await solid(400, 200, "#0000ff")
      .composite([{ input: left, left: 0, top: 0 }])
      .png()
      .toBuffer();
    const png = await decodeUpload(wide, 128);
    expect([png.format, png.width, png.height, png.rgb.length]).toEqual(["png", 400, 200, 128 * 128 * 3]);
    const at = (x: number, y: number) => [...png.rgb.slice((y * 128 + x) * 3, (y * 128 + x) * 3 + 3)];
    expect(at(10, 64)).toEqual([255, 0, 0]);
    expect(at(117, 64)).toEqual([0, 0, 255]);
    for (const fmt of ["jpeg", "webp"] as const) {
      const d = await decodeUpload(await solid(64, 64, "#00ff00")[fmt]().toBuffer(), 128);
      expect(d.format).toBe(fmt);
      const [r, g, b] = d.rgb.slice(0, 3);
      expect(g).toBeGreaterThan(240);
      expect(r! + b!).toBeLessThan(20);
    }
  });

  it("flattens transparency onto white", async () => {
    const clear = await sharp({
      create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    expect([...(await decodeUpload(clear, 128)).rgb.slice(0, 3)]).toEqual([255, 255, 255]);
  });

  it("refuses what it can't or mustn't decode, each with its reason and a readable message", async () => {
    expect(await reason(new TextEncoder().encode("<html>not a picture</html>"))).toMatchObject({
      reason: "NOT_AN_IMAGE",
      message: /PNG, JPEG or WebP/,
    });
    const gif = await solid(8, 8, "#ff0000").gif().toBuffer();
    expect(await reason(gif)).toMatchObject({ reason: "UNSUPPORTED_FORMAT", message: /GIF isn't supported/ });
    // A real two-frame animation (an animated WebP: red, then green).
    const frames = await Promise.all(["#ff0000", "#00ff00"].map((c) => solid(8, 8, c).png().toBuffer()));
    const anim = await sharp(frames, { join: { animated: true } })
      .webp({ loop: 0 })
      .toBuffer();
    expect(await reason(anim)).toMatchObject({ reason: "ANIMATED", message: /Animated/ });
    const cmyk = await solid(8, 8, "#ff0000").toColourspace("cmyk").jpeg().toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe("cmyk");
    expect(await reason(cmyk)).toMatchObject({ reason: "CMYK", message: /CMYK/ });
    // A decompression bomb: a small file that claims 6000 × 6000 = 36 megapixels.
    const bomb = await sharp({ create: { width: 6000, height: 6000, channels: 3, background: "#000" } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.length).toBeLessThan(LIMITS.uploadMaxBytes);
    expect(await reason(bomb)).toMatchObject({ reason: "TOO_MANY_PIXELS", message: /6000 × 6000/ });
    expect(await reason(new Uint8Array(LIMITS.uploadMaxBytes + 1))).toMatchObject({ reason: "TOO_LARGE" });
  });
});
