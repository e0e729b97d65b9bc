import { expect, type Page } from "@playwright/test";

/**
 * Fills a board with `count` prompt cards through the UI (double-clicks on empty canvas while zoomed out),
 * then drags the canvas (space held, so it pans even from a card) in small steps while a requestAnimationFrame loop records frame times.
 */
export async function seedCards(page: Page, count: number): Promise<void> {
  const viewport = page.getByRole("application", { name: "Board canvas" });
  const box = (await viewport.boundingBox())!;
  // Zoomed all the way out, 58 px on screen is ≥ 580 board units: the cards don't overlap.
  for (let i = 0; i < 14; i++) await page.keyboard.press("-");
  const cols = 20;
  for (let i = 0; i < count; i++) {
    const x = box.x + 60 + (i % cols) * 58;
    const y = box.y + 40 + Math.floor(i / cols) * 46;
    await page.mouse.dblclick(x, y);
  }
  await expect(page.locator("section.card")).toHaveCount(count, { timeout: 60_000 });
  await page.keyboard.press("Escape");
}

/** `fit`: every card on screen (the worst case for drawing); `zoomed`: about 1×, a handful on screen. */
export async function panFrameTimes(page: Page, steps: number, view: "fit" | "zoomed"): Promise<number[]> {
  await page.keyboard.press("Shift+Digit1");
  if (view === "zoomed") for (let i = 0; i < 12; i++) await page.keyboard.press("+");
  const viewport = page.getByRole("application", { name: "Board canvas" });
  const box = (await viewport.boundingBox())!;
  // Page scripts are strings: tsx's keepNames would otherwise inject a __name helper the page doesn't have.
  await page.evaluate(`(() => {
    window.__frames = [];
    window.__stop = false;
    let last = performance.now();
    const tick = (t) => {
      window.__frames.push(t - last);
      last = t;
      if (!window.__stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
  // Hold space so the drag pans even when it starts over a card; the viewport captures the pointer.
  await page.keyboard.down("Space");
  await page.mouse.move(box.x + box.width - 40, box.y + box.height - 40);
  await page.mouse.down();
  for (let i = 0; i < steps; i++) {
    const dir = Math.floor(i / 60) % 2 === 0 ? -1 : 1;
    await page.mouse.move(
      box.x + box.width / 2 + dir * ((i % 60) * 8 - 240),
      box.y + box.height / 2 + dir * ((i % 60) * 5 - 150),
    );
  }
  await page.mouse.up();
  await page.keyboard.up("Space");
  return page.evaluate<number[]>(`(() => {
    window.__stop = true;
    return window.__frames.slice(2);
  })()`);
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
