import { expect, type Page } from "@playwright/test";

export interface PaintTimes {
  /** ms from pressing Generate to the first tile cell painted from a token (TokenMosaic). */
  firstToken: number | null;
  /** ms from pressing Generate to the first decoded preview image. */
  firstPreview: number | null;
  /** ms from pressing Generate to every tile finished. */
  finished: number;
  /** Distinct pictures the first tile showed before its final image: mosaic steps and previews. */
  tileSteps: number;
}

/**
 * On an open board: one prompt card, then `runs` generations of 4 candidates, each timed in the page
 * (a MutationObserver stamping the first painted mosaic cell, the first preview image and the end). What a
 * watcher sees first, and how many times a tile changes while it renders.
 */
export async function firstPaints(page: Page, runs: number): Promise<PaintTimes[]> {
  await page.getByRole("button", { name: "+ Prompt card" }).click();
  const prompt = page.getByRole("textbox", { name: "Prompt" }).first();
  await prompt.click();
  await prompt.pressSequentially("a red circle on a blue square");
  const out: PaintTimes[] = [];
  for (let run = 0; run < runs; run++) {
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    await page.getByRole("spinbutton", { name: "Candidates" }).fill("4");
    // Page scripts are strings: tsx's keepNames would otherwise inject a __name helper the page doesn't have.
    await page.evaluate(`(() => {
      const t = { start: 0, running: false, firstToken: null, firstPreview: null, finished: null, steps: new Set() };
      window.__paint = t;
      const observer = new MutationObserver(() => {
        if (!t.start) return;
        const now = performance.now() - t.start;
        const tiles = Array.from(document.querySelectorAll("li.tile"));
        for (const li of tiles) {
          if (li.classList.contains("done")) continue;
          t.running = true; // the previous generation's finished tiles stay until the new ones appear
          const canvas = li.querySelector("canvas.token-mosaic");
          const img = li.querySelector("img");
          if (t.firstToken === null && canvas) {
            const px = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 3; i < px.length; i += 4) if (px[i] === 255) { t.firstToken = now; break; }
          }
          if (t.firstPreview === null && img) t.firstPreview = now;
        }
        const first = tiles.find((li) => li.dataset.index === "0");
        if (first && !first.classList.contains("done"))
          t.steps.add(first.dataset.tokens + "/" + (first.querySelector("img")?.getAttribute("src")?.length ?? 0));
        if (t.running && t.finished === null && tiles.length === 4 && tiles.every((li) => li.classList.contains("done"))) {
          t.finished = now;
          observer.disconnect();
        }
      });
      observer.observe(document.body, { subtree: true, childList: true, attributes: true });
      document.addEventListener("click", () => { t.start = performance.now(); }, { capture: true, once: true });
    })()`);
    await page.getByRole("button", { name: "Generate 4" }).click();
    await expect
      .poll(() => page.evaluate("window.__paint.finished"), { timeout: 120_000, intervals: [50] })
      .not.toBeNull();
    const t = (await page.evaluate(
      "({ ...window.__paint, steps: window.__paint.steps.size - 1 })", // minus the empty tile
    )) as { firstToken: number | null; firstPreview: number | null; finished: number; steps: number };
    out.push({ firstToken: t.firstToken, firstPreview: t.firstPreview, finished: t.finished, tileSteps: t.steps });
  }
  return out;
}
