import { useLayoutEffect, useRef } from "react";
import { mosaicPixels } from "../lib/tokenMosaic.ts";

/**
 * A candidate's tokens painted as they arrive, each cell with its code's patch (what the decoder paints for
 * that code), over the latest decoded preview: the image grows token row by token row between previews
 * (every few rows) instead of jumping from one preview to the next.
 */
export function TokenMosaic({
  tokens,
  fromRow,
  grid,
  patches,
  imageSize,
}: {
  tokens: readonly number[];
  fromRow: number;
  grid: { rows: number; cols: number };
  patches: Uint8Array;
  imageSize: number;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useLayoutEffect(() => {
    const ctx = ref.current?.getContext("2d");
    if (!ctx) return;
    const px = mosaicPixels(tokens, fromRow, grid, patches, imageSize);
    ctx.putImageData(new ImageData(px, imageSize, imageSize), 0, 0);
  }, [tokens, fromRow, grid, patches, imageSize]);
  return <canvas ref={ref} className="token-mosaic" width={imageSize} height={imageSize} />;
}
