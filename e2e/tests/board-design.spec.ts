import { expect, type Locator, type Page, test } from "@playwright/test";
import { createBoard, generate, newUser, openGallery, prompt, screenshot, seriousViolations } from "./helpers.ts";

// Issue 16's checks: where new cards go, Fit with a tall card, the ranking reorder, the gallery, phones,
// keyboard-only use and automated accessibility (axe) on the screens a team sees.

/** Whether `inner`'s box lies inside `outer`'s (1 px slack for subpixel rounding). */
async function inside(inner: Locator, outer: Locator): Promise<boolean> {
  const [a, b] = [await inner.boundingBox(), await outer.boundingBox()];
  if (!a || !b) return false;
  return a.x >= b.x - 1 && a.y >= b.y - 1 && a.x + a.width <= b.x + b.width + 1 && a.y + a.height <= b.y + b.height + 1;
}

/** Presses Tab until the focused element's accessible label matches (keyboard-only navigation). */
async function tabTo(page: Page, name: RegExp, max = 120): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const label = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return el ? (el.getAttribute("aria-label") ?? el.textContent ?? "").trim() : "";
    });
    if (name.test(label)) return;
  }
  throw new Error(`Tab never reached ${name}`);
}

test("home page: says what Tessera does, example prompts, no serious accessibility findings, fits a phone", async ({
  browser,
}) => {
  const a = await newUser(browser, "Ada");
  await a.page.goto("/");
  await expect(a.page.getByRole("button", { name: /sample board/i })).toBeVisible();
  expect(await seriousViolations(a.page)).toEqual([]);
  await screenshot(a.page, "design-01-home");
  await a.page.setViewportSize({ width: 390, height: 844 });
  const overflow = await a.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await screenshot(a.page, "design-02-home-phone");
  await a.context.close();
});

test("new cards appear in view; ranking reorders without overlap; Fit shows a 16-candidate card whole; the gallery", async ({
  browser,
}) => {
  const a = await newUser(browser, "Ada");
  await createBoard(a.page, "Design board");
  const viewport = a.page.getByRole("application", { name: "Board canvas" });

  // Eight new cards: each one is whole on screen when it appears (the camera follows when the view is full).
  for (let i = 0; i < 8; i++) {
    await a.page.getByRole("button", { name: "+ Prompt card" }).click();
    await expect(a.page.locator(".card")).toHaveCount(i + 1);
    const card = a.page.locator(".card.selected");
    await expect(card).toHaveCount(1);
    await expect.poll(() => inside(card, viewport), { timeout: 5_000 }).toBe(true);
  }

  // The last card, 16 candidates. While they render and the ranking arrives, every animation frame checks
  // that no two tiles' rectangles intersect and records each new tile order.
  const card = a.page.locator(".card.selected");
  await card.getByRole("textbox", { name: "Prompt" }).fill("a red apple in the top left corner");
  await a.page.evaluate(() => {
    const w = window as unknown as { tileCheck: { frames: number; overlaps: string[]; orders: string[] } };
    w.tileCheck = { frames: 0, overlaps: [], orders: [] };
    const tick = () => {
      const tiles = Array.from(document.querySelectorAll<HTMLElement>(".card.selected li.tile"));
      const order = tiles.map((t) => t.dataset.index).join(",");
      if (w.tileCheck.orders.at(-1) !== order) w.tileCheck.orders.push(order);
      const rects = tiles.map((t) => t.getBoundingClientRect());
      for (let i = 0; i < rects.length; i++)
        for (let j = i + 1; j < rects.length; j++) {
          const [p, q] = [rects[i]!, rects[j]!];
          if (p.left < q.right - 0.5 && q.left < p.right - 0.5 && p.top < q.bottom - 0.5 && q.top < p.bottom - 0.5)
            w.tileCheck.overlaps.push(`${tiles[i]!.dataset.index}/${tiles[j]!.dataset.index}`);
        }
      w.tileCheck.frames++;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await generate(a.page, card, 16);
  await expect(card.locator("li.tile.done")).toHaveCount(16, { timeout: 120_000 });
  await expect(card.locator(".rank", { hasText: /^#1(?!\d)/ })).toBeVisible({ timeout: 30_000 });
  await a.page.waitForTimeout(800); // the reorder animation (350 ms) has run its course
  const check = await a.page.evaluate(
    () => (window as unknown as { tileCheck: { frames: number; overlaps: string[]; orders: string[] } }).tileCheck,
  );
  expect(check.frames).toBeGreaterThan(10);
  expect(check.orders.length).toBeGreaterThanOrEqual(2); // the ranking did reorder the tiles…
  expect(check.overlaps).toEqual([]); // …and no two ever overlapped

  // Candidates are the largest thing on the card: at zoom 1 (the card is 440 board units wide) a tile is at
  // least 192 px wide.
  const [tileBox, cardBox] = [await card.locator("li.tile").first().boundingBox(), await card.boundingBox()];
  expect((tileBox!.width / cardBox!.width) * 440).toBeGreaterThanOrEqual(192);
  await a.page.getByRole("button", { name: "Fit" }).click();
  await expect.poll(() => inside(card, viewport), { timeout: 5_000 }).toBe(true);
  for (const c of await a.page.locator(".card").all()) expect(await inside(c, viewport)).toBe(true);
  expect(await seriousViolations(a.page)).toEqual([]);
  await screenshot(a.page, "design-03-board");

  // The gallery: the first candidate large, arrows step through the others, V votes, Escape closes.
  const gallery = await openGallery(a.page, card);
  const caption = gallery.locator(".candidate-caption");
  await expect(caption).toContainText("#1 of 16");
  await a.page.keyboard.press("ArrowRight");
  await expect(caption).toContainText("#2 of 16");
  await expect(caption).toContainText(/seed \d+, image \d+/); // the details behind the rank
  await expect(gallery.getByRole("img")).toHaveAttribute("alt", /candidate #2$/);
  await a.page.keyboard.press("v");
  await expect(gallery.getByRole("button", { name: /Vote for/ })).toHaveAttribute("aria-pressed", "true");
  await expect(caption).toContainText("1 vote");
  await expect(gallery.getByRole("list", { name: "All candidates" }).getByRole("button")).toHaveCount(16);
  expect(await seriousViolations(a.page)).toEqual([]);
  await screenshot(a.page, "design-04-gallery");
  await a.page.keyboard.press("Escape");
  await expect(gallery).toHaveCount(0);
  // The vote cast in the gallery shows on the card.
  await expect(card.getByRole("button", { name: /Vote for/, pressed: true })).toHaveCount(1);
  await a.context.close();
});

test("phone: the toolbar folds into a menu with every action reachable; the board opens fitted", async ({
  browser,
}) => {
  const a = await newUser(browser, "Ada");
  await a.page.setViewportSize({ width: 390, height: 844 });
  await createBoard(a.page, "Phone board");
  await a.page.getByRole("button", { name: "+ Prompt card" }).click();
  await prompt(a.page).fill("two strawberries");
  const url = a.page.url();
  await a.page.goto(url);
  const viewport = a.page.getByRole("application", { name: "Board canvas" });
  await expect.poll(() => inside(a.page.locator(".card").first(), viewport), { timeout: 5_000 }).toBe(true);

  const toolbar = a.page.getByRole("toolbar", { name: "Board toolbar" });
  const inScreen = async (l: Locator) => {
    const b = await l.boundingBox();
    return !!b && b.x >= 0 && b.y >= 0 && b.x + b.width <= 390 && b.y + b.height <= 844;
  };
  expect(await inScreen(a.page.getByRole("status", { name: "Connection" }))).toBe(true);
  expect(await inScreen(toolbar.getByRole("button", { name: "+ Prompt card" }))).toBe(true);
  await toolbar.getByRole("button", { name: "More actions" }).click();
  for (const name of [
    "+ Note",
    "Undo",
    "Redo",
    "Zoom out",
    "Zoom in",
    "Fit",
    "What it knows",
    "Share",
    "Keyboard shortcuts",
  ]) {
    const b = toolbar
      .getByRole("button", { name, exact: true })
      .or(toolbar.getByText(name, { exact: true }))
      .first();
    await expect(b, name).toBeVisible();
    expect(await inScreen(b), `${name} is on screen`).toBe(true);
  }
  await screenshot(a.page, "design-05-phone-menu");
  await toolbar.getByRole("button", { name: "Fit", exact: true }).click();
  await expect(toolbar.getByRole("button", { name: "Fit", exact: true })).toBeHidden(); // the menu closed
  await screenshot(a.page, "design-06-phone-board");

  // The gallery on a phone: one column, the image within the screen, the vote reachable.
  await generate(a.page, a.page.locator(".card").first(), 2);
  await expect(a.page.locator("li.tile.done")).toHaveCount(2, { timeout: 60_000 });
  const gallery = await openGallery(a.page, a.page);
  expect(await inScreen(gallery.locator(".candidate-large img"))).toBe(true);
  await gallery.getByRole("button", { name: /Vote for/ }).scrollIntoViewIfNeeded();
  expect(await inScreen(gallery.getByRole("button", { name: /Vote for/ }))).toBe(true);
  expect(await seriousViolations(a.page)).toEqual([]);
  await screenshot(a.page, "design-07-phone-gallery");
  await a.context.close();
});

test("keyboard only: create a card, type, generate, vote, move and resize it", async ({ browser }) => {
  const a = await newUser(browser, "Ada");
  await createBoard(a.page, "Keyboard board");
  await a.page.locator("body").focus();
  await a.page.keyboard.press("p");
  await expect(a.page.locator(".card")).toHaveCount(1);
  await expect(prompt(a.page)).toBeFocused(); // a new prompt card is ready to type into
  await a.page.keyboard.type("a blue heart in the center");
  await expect(prompt(a.page)).toHaveValue("a blue heart in the center");
  await tabTo(a.page, /^Generate$/);
  await a.page.keyboard.press("Enter");
  await tabTo(a.page, /^Generate \d+$/); // in the settings popover: the default number of candidates
  await a.page.keyboard.press("Enter");
  await expect(a.page.locator(".rank", { hasText: /^#1(?!\d)/ })).toBeVisible({ timeout: 90_000 });
  await tabTo(a.page, /Vote for candidate/);
  await a.page.keyboard.press("Enter");
  await expect(a.page.getByRole("button", { name: /Vote for candidate/, pressed: true })).toHaveCount(1);

  // Move and resize the selected card with the keyboard: arrows move, Alt + arrows resize.
  const card = a.page.locator(".card").first();
  await a.page.keyboard.press("Escape");
  await card.locator(".card-header").click();
  const before = (await card.boundingBox())!;
  await a.page.locator("body").focus();
  await a.page.keyboard.press("Shift+ArrowRight");
  await a.page.keyboard.press("Alt+Shift+ArrowRight");
  await expect.poll(async () => (await card.boundingBox())!.x - before.x).toBeGreaterThan(20);
  await expect.poll(async () => (await card.boundingBox())!.width - before.width).toBeGreaterThan(20);
  await a.context.close();
});

test("final images only: no partial pictures while it renders; the choice is remembered", async ({ browser }) => {
  const a = await newUser(browser, "Ada");
  await createBoard(a.page, "Calm board");
  const toggle = a.page.getByRole("button", { name: "Final images" });
  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-pressed", "true");
  await a.page.getByRole("button", { name: "+ Prompt card" }).click();
  await prompt(a.page).fill("two strawberries");
  await a.page.evaluate(() => {
    const w = window as unknown as { partial: number };
    w.partial = 0;
    new MutationObserver(() => {
      const img = document.querySelector("li.tile:not(.done) img, li.tile:not(.done) canvas.token-mosaic");
      if (img) w.partial++;
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await generate(a.page, a.page, 4);
  await expect(a.page.locator("li.tile.done img")).toHaveCount(4, { timeout: 60_000 });
  expect(await a.page.evaluate(() => (window as unknown as { partial: number }).partial)).toBe(0);
  await a.page.reload();
  await expect(a.page.getByRole("button", { name: "Final images" })).toHaveAttribute("aria-pressed", "true");
  await a.context.close();
});
