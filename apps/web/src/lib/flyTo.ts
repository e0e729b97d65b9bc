import { type Camera, clampZoom, type Rect } from "./camera.ts";

/**
 * The camera that shows a card found by search: its centre at the centre of the view, at the current zoom
 * when the card fits in most of the view there and is readable (so the board doesn't jump in scale for
 * nothing), else at the zoom that fits it with a margin, never above 1.
 */
export function cameraToShow(card: Rect, vw: number, vh: number, current: Camera, margin = 48): Camera {
  const fits = (z: number) => card.w * z <= vw - 2 * margin && card.h * z <= vh - 2 * margin;
  const readable = current.zoom >= 0.6;
  const zoom =
    readable && fits(current.zoom)
      ? current.zoom
      : clampZoom(Math.min(1, (vw - 2 * margin) / Math.max(card.w, 1), (vh - 2 * margin) / Math.max(card.h, 1)));
  return { zoom, x: card.x + card.w / 2 - vw / 2 / zoom, y: card.y + card.h / 2 - vh / 2 / zoom };
}

/**
 * The camera a fraction `t` (0..1, eased) of the way from `a` to `b`. Zoom moves geometrically and the view's
 * centre linearly, so the target card stays steady on screen instead of swinging out and back while zooming.
 */
export function cameraBetween(a: Camera, b: Camera, t: number, vw: number, vh: number): Camera {
  const e = t <= 0 ? 0 : t >= 1 ? 1 : 1 - (1 - t) ** 3;
  const zoom = a.zoom * (b.zoom / a.zoom) ** e;
  const ca = { x: a.x + vw / 2 / a.zoom, y: a.y + vh / 2 / a.zoom };
  const cb = { x: b.x + vw / 2 / b.zoom, y: b.y + vh / 2 / b.zoom };
  const cx = ca.x + (cb.x - ca.x) * e;
  const cy = ca.y + (cb.y - ca.y) * e;
  return { zoom, x: cx - vw / 2 / zoom, y: cy - vh / 2 / zoom };
}

/** Moves the camera from `from` to `to` over `ms` (at once when motion is reduced); returns a cancel. */
export function flyCamera(
  from: Camera,
  to: Camera,
  vw: number,
  vh: number,
  apply: (c: Camera) => void,
  ms = 420,
): () => void {
  const still = typeof window !== "undefined" && window.matchMedia?.("(prefers-reduced-motion: reduce)").matches;
  if (still || ms <= 0) {
    apply(to);
    return () => {};
  }
  const start = performance.now();
  let frame = 0;
  const step = (now: number) => {
    const t = Math.min(1, (now - start) / ms);
    apply(t >= 1 ? to : cameraBetween(from, to, t, vw, vh));
    if (t < 1) frame = requestAnimationFrame(step);
  };
  frame = requestAnimationFrame(step);
  return () => cancelAnimationFrame(frame);
}
