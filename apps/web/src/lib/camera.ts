/** The board camera: a screen point s maps to board point b = s / zoom - (x, y)… kept as pan + zoom. */
export interface Camera {
  /** Board coordinates of the screen's top-left corner. */
  x: number;
  y: number;
  zoom: number;
}

export const ZOOM_MIN = 0.1;
export const ZOOM_MAX = 4;

export function clampZoom(z: number): number {
  return Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, z));
}

export function screenToBoard(cam: Camera, sx: number, sy: number): { x: number; y: number } {
  return { x: cam.x + sx / cam.zoom, y: cam.y + sy / cam.zoom };
}

/** Zooms by `factor` keeping the board point under (sx, sy) fixed on screen. */
export function zoomAt(cam: Camera, sx: number, sy: number, factor: number): Camera {
  const zoom = clampZoom(cam.zoom * factor);
  const p = screenToBoard(cam, sx, sy);
  return { zoom, x: p.x - sx / zoom, y: p.y - sy / zoom };
}

export function panBy(cam: Camera, dxScreen: number, dyScreen: number): Camera {
  return { ...cam, x: cam.x - dxScreen / cam.zoom, y: cam.y - dyScreen / cam.zoom };
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A camera showing every rect inside a viewport of (vw, vh) with a margin; null for an empty board. */
export function fitRects(rects: Rect[], vw: number, vh: number, margin = 48): Camera | null {
  if (rects.length === 0 || vw <= 0 || vh <= 0) return null;
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const r of rects) {
    minX = Math.min(minX, r.x);
    minY = Math.min(minY, r.y);
    maxX = Math.max(maxX, r.x + r.w);
    maxY = Math.max(maxY, r.y + r.h);
  }
  const zoom = clampZoom(Math.min((vw - 2 * margin) / (maxX - minX), (vh - 2 * margin) / (maxY - minY), 1));
  return {
    zoom,
    x: (minX + maxX) / 2 - vw / 2 / zoom,
    y: (minY + maxY) / 2 - vh / 2 / zoom,
  };
}

export function rectsIntersect(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** A collaborator's camera as shared over awareness: their camera plus their viewport size in pixels. */
export interface SharedViewport extends Camera {
  w?: number;
  h?: number;
}

/**
 * The camera that follows a collaborator: the centre of their view at the centre of ours, at their zoom,
 * or zoomed out just enough that everything they see fits when our viewport is smaller than theirs.
 */
export function followCamera(peer: SharedViewport, vw: number, vh: number): Camera {
  const pw = peer.w && peer.w > 0 ? peer.w : vw;
  const ph = peer.h && peer.h > 0 ? peer.h : vh;
  const zoom = clampZoom(peer.zoom * Math.min(1, vw / pw, vh / ph));
  const cx = peer.x + pw / 2 / peer.zoom;
  const cy = peer.y + ph / 2 / peer.zoom;
  return { zoom, x: cx - vw / 2 / zoom, y: cy - vh / 2 / zoom };
}
