import { describe, expect, it } from "vitest";
import { fitRects, followCamera, panBy, screenToBoard, ZOOM_MAX, zoomAt } from "./camera.ts";

describe("camera", () => {
  it("keeps the point under the cursor fixed while zooming", () => {
    const cam = { x: 100, y: 50, zoom: 1 };
    const before = screenToBoard(cam, 300, 200);
    const next = zoomAt(cam, 300, 200, 2);
    expect(next.zoom).toBe(2);
    expect(screenToBoard(next, 300, 200)).toEqual(before);
    expect(zoomAt(cam, 0, 0, 1000).zoom).toBe(ZOOM_MAX);
  });

  it("pans in screen pixels regardless of zoom", () => {
    expect(panBy({ x: 0, y: 0, zoom: 2 }, 100, -50)).toEqual({ x: -50, y: 25, zoom: 2 });
  });

  it("fits content into the viewport, and does nothing for an empty board", () => {
    const cam = fitRects(
      [
        { x: 0, y: 0, w: 1000, h: 500 },
        { x: 2000, y: 1000, w: 100, h: 100 },
      ],
      1200,
      800,
    )!;
    const tl = screenToBoard(cam, 48, 48);
    expect(tl.x).toBeLessThanOrEqual(0);
    const br = screenToBoard(cam, 1200 - 48, 800 - 48);
    expect(br.x).toBeGreaterThanOrEqual(2100 - 1e-6);
    expect(br.y).toBeGreaterThanOrEqual(1100 - 1e-6);
    expect(fitRects([], 100, 100)).toBeNull();
  });

  it("follows a collaborator: their view's centre at ours, at their zoom", () => {
    const peer = { x: 100, y: 200, zoom: 2, w: 800, h: 600 };
    const cam = followCamera(peer, 800, 600);
    expect(cam).toEqual({ x: 100, y: 200, zoom: 2 });
    // A bigger screen shows more around the same centre, at the same zoom.
    const big = followCamera(peer, 1600, 1200);
    expect(big.zoom).toBe(2);
    expect(screenToBoard(big, 800, 600)).toEqual(screenToBoard(peer, 400, 300));
  });

  it("zooms out when following someone whose screen is bigger, so all they see stays visible", () => {
    const peer = { x: 0, y: 0, zoom: 1, w: 1600, h: 800 };
    const cam = followCamera(peer, 800, 800);
    expect(cam.zoom).toBe(0.5);
    expect(screenToBoard(cam, 0, 200)).toEqual({ x: 0, y: 0 });
    expect(screenToBoard(cam, 800, 600)).toEqual({ x: 1600, y: 800 });
  });
});
