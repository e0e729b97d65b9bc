import { describe, expect, it } from "vitest";
import { cameraBetween, cameraToShow } from "./flyTo.ts";

const centre = (c: { x: number; y: number; zoom: number }, vw: number, vh: number) => ({
  x: c.x + vw / 2 / c.zoom,
  y: c.y + vh / 2 / c.zoom,
});

describe("cameraToShow", () => {
  const card = { x: 1000, y: 2000, w: 400, h: 500 };
  it("centres the card and keeps a readable zoom it fits at", () => {
    const cam = cameraToShow(card, 1280, 800, { x: 0, y: 0, zoom: 0.8 });
    expect(cam.zoom).toBe(0.8);
    expect(centre(cam, 1280, 800)).toEqual({ x: 1200, y: 2250 });
  });

  it("zooms to fit a card that doesn't fit, never above 1", () => {
    const phone = cameraToShow(card, 390, 700, { x: 0, y: 0, zoom: 1 });
    expect(phone.zoom).toBeCloseTo((390 - 96) / 400);
    expect(centre(phone, 390, 700).x).toBeCloseTo(1200);
    const far = cameraToShow(card, 1280, 800, { x: 0, y: 0, zoom: 0.2 });
    expect(far.zoom).toBe(1);
  });
});

describe("cameraBetween", () => {
  const a = { x: 0, y: 0, zoom: 0.5 };
  const b = { x: 500, y: 300, zoom: 2 };
  it("starts at a, ends at b, zooms geometrically", () => {
    expect(cameraBetween(a, b, 0, 800, 600)).toEqual(a);
    const end = cameraBetween(a, b, 1, 800, 600);
    expect(end.zoom).toBeCloseTo(2);
    expect(end.x).toBeCloseTo(500);
    expect(end.y).toBeCloseTo(300);
    const mid = cameraBetween(a, b, 0.5, 800, 600);
    expect(mid.zoom).toBeGreaterThan(0.5);
    expect(mid.zoom).toBeLessThan(2);
  });
});
