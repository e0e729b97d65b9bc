import { useLayoutEffect, useRef } from "react";
import { mosaicPixels } from "../lib/tokenMosaic.ts";

/**
 * A candidate's tokens painted as they arrive, one cell per token in its code's colour, over the latest
 * decoded preview: the image grows token row by token row between previews (every few rows) instead of
 * jumping from one preview to the next.
 */
export function TokenMosaic({
  tokens,
  fromRow,
  grid,
  palette,
}: {
  tokens: readonly number[];
  fromRow: number;
  grid: { rows: number; cols: number };
  palette: readonly number[];
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useLayoutEffect(() => {
    const ctx = ref.current?.getContext("2d");
    if (!ctx) return;
    ctx.putImageData(new ImageData(mosaicPixels(tokens, fromRow, grid, palette), grid.cols, grid.rows), 0, 0);
  }, [tokens, fromRow, grid, palette]);
  return <canvas ref={ref} className="token-mosaic" width={grid.cols} height={grid.rows} />;
}
