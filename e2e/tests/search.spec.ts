import { expect, type Page, test } from "@playwright/test";
import { createBoard, graphql, newUser, openLink, prompt, screenshot, shareLink } from "./helpers.ts";

// A prompt card by its text (the text shows in the editor's backdrop; a textarea's value is no text content).
const cardWith = (page: Page, text: string) =>
  page.locator("[data-card-id]", { has: page.locator(".editor-backdrop", { hasText: text }) });

/**
 * Generates `n` on one card (the board's other cards have "Candidates" lists of their own), with a fixed seed:
 * the images are then the ones the API's search test asserts on (test/search.test.ts, seed 7).
 */
async function generateOn(card: ReturnType<Page["locator"]>, n: number): Promise<void> {
  await card.getByRole("button", { name: "Generate", exact: true }).click();
  await card.getByRole("spinbutton", { name: "Candidates" }).fill(String(n));
  await card.getByLabel("Seed").fill("7");
  await card.getByRole("button", { name: `Generate ${n}` }).click();
}

/** Whether the element's box overlaps the page's viewport. */
async function inView(page: Page, selector: ReturnType<Page["locator"]>): Promise<boolean> {
  const box = await selector.boundingBox();
  const vp = page.viewportSize()!;
  return !!box && box.x < vp.width && box.y < vp.height && box.x + box.width > 0 && box.y + box.height > 0;
}

// Issue 17 items 1 and 5, two people: B generates a red apple and a blue car (colours this model draws
// faithfully); A, with the cards off screen, opens Ctrl+K, searches "something blue", and Enter flies A's
// camera to B's card and opens the candidate CLIP ranked first for the text. Tags and "More like this" start
// searches from the gallery; Chinese works; the phone layout is checked too.
test("search by meaning: A finds B's candidate with Ctrl+K and lands on it", async ({ browser }) => {
  const a = await newUser(browser, "Ada");
  const boardId = await createBoard(a.page, "Search");
  const link = await shareLink(a.page, "editor");
  const b = await newUser(browser, "Bo");
  await openLink(b.page, link);

  await b.page.getByRole("button", { name: "+ Prompt card" }).click();
  await prompt(b.page).fill("a red apple");
  await b.page.getByRole("button", { name: "+ Prompt card" }).click();
  await b.page.getByRole("textbox", { name: "Prompt" }).nth(1).fill("a blue car");
  await generateOn(cardWith(b.page, "a red apple"), 2);
  await expect(cardWith(b.page, "a red apple").locator("li.tile.done")).toHaveCount(2, { timeout: 90_000 });
  await generateOn(cardWith(b.page, "a blue car"), 2);
  await expect(cardWith(b.page, "a blue car").locator("li.tile.done")).toHaveCount(2, { timeout: 90_000 });
  // A sees B's images arrive live.
  await expect(a.page.locator("li.tile.done")).toHaveCount(4, { timeout: 30_000 });

  // A looks elsewhere on the board: both cards leave the view.
  const blueCard = cardWith(a.page, "a blue car");
  await a.page.mouse.move(640, 420);
  for (let i = 0; i < 4; i++) await a.page.mouse.wheel(-1500, -1200);
  await expect.poll(() => inView(a.page, blueCard)).toBe(false);

  await a.page.keyboard.press("Control+k");
  const palette = a.page.getByRole("dialog", { name: "Search this board" });
  await expect(palette).toBeVisible();
  const box = palette.getByRole("combobox");
  await expect(box).toBeFocused();
  // Before typing: the board's tags, as chips.
  await expect(palette.getByRole("heading", { name: "Tags on this board" })).toBeVisible();
  await expect(palette.locator(".tag-chip").first()).toBeVisible();
  await screenshot(a.page, "search-01-start");

  await box.fill("something blue");
  const options = palette.getByRole("option");
  await expect(options.first()).toBeVisible();
  await expect(options).toHaveCount(4);
  // CLIP puts both blue images first; what A sees is what the API ranks.
  await expect(options.nth(0)).toContainText("a blue car");
  await expect(options.nth(1)).toContainText("a blue car");
  await expect(options.nth(0)).toHaveAttribute("aria-selected", "true");
  const { searchBoard } = await graphql<{ searchBoard: { candidate: { id: string; rank: number } }[] }>(
    a.page,
    `query($b: ID!) { searchBoard(boardId: $b, text: "something blue", limit: 4) { candidate { id rank } } }`,
    { b: boardId },
  );
  const best = searchBoard[0]!.candidate;
  await expect(options.nth(0).locator("img")).toHaveAttribute("src", `/images/${best.id}.png`);
  await screenshot(a.page, "search-02-results");

  // Arrow keys move; Enter opens the active one: back up to the best and open it.
  await box.press("ArrowDown");
  await expect(options.nth(1)).toHaveAttribute("aria-selected", "true");
  await box.press("ArrowUp");
  await box.press("Enter");
  await expect(palette).toBeHidden();
  const gallery = a.page.getByRole("dialog", { name: "Gallery: a blue car" });
  await expect(gallery).toBeVisible();
  await expect(gallery.locator(".candidate-caption")).toContainText(`#${best.rank} of 2`);
  await expect.poll(() => inView(a.page, blueCard)).toBe(true);
  // The gallery shows what CLIP sees in it, as chips, and offers more like it.
  const chips = gallery.locator(".candidate-tags .tag-chip");
  await expect(chips.first()).toBeVisible();
  await screenshot(a.page, "search-03-landed");

  // "More like this" lists the board's images nearest to it: its sibling first.
  await gallery.getByRole("button", { name: "More like this" }).click();
  await expect(palette).toBeVisible();
  await expect(palette.locator(".similar-token")).toContainText("More like this");
  await expect(options).toHaveCount(3);
  await expect(options.locator(`img[src="/images/${best.id}.png"]`)).toHaveCount(0);
  await expect(options.nth(0)).toContainText("a blue car");
  const scores = (await options.locator(".search-score").allTextContents()).map(Number);
  expect([...scores].sort((x, y) => y - x)).toEqual(scores);
  await screenshot(a.page, "search-04-more-like-this");

  // A tag from the results filters by it: every image listed carries it.
  const firstTag = (await options.nth(0).locator(".mini-tag").first().textContent())!.trim();
  await options.nth(0).locator(".mini-tag").first().click();
  await expect(palette.locator(".search-token").filter({ hasText: firstTag })).toBeVisible();
  await expect(options.first()).toBeVisible();
  for (const row of await options.all()) {
    await expect(row.getByRole("button", { name: firstTag, exact: true })).toHaveCount(1);
  }
  await box.press("Escape");
  await expect(palette).toBeHidden();

  // On a phone, from the toolbar's search button, in Chinese.
  await a.page.setViewportSize({ width: 390, height: 844 });
  await screenshot(a.page, "search-05-phone-toolbar");
  await a.page.getByRole("button", { name: /^Search (Ctrl K|⌘K)$/ }).click();
  await box.fill("红色");
  await expect(options.first()).toContainText("a red apple");
  await expect(options.nth(1)).toContainText("a red apple");
  await screenshot(a.page, "search-06-phone");
  await box.press("Escape");

  // Images whose cards were deleted are not offered: when B deletes both cards, A's search says so.
  await a.page.setViewportSize({ width: 1280, height: 800 });
  await b.page.getByRole("application", { name: "Board canvas" }).click({ position: { x: 8, y: 8 } });
  await b.page.keyboard.press("Control+a");
  await b.page.keyboard.press("Delete");
  await expect(a.page.locator("[data-card-id]")).toHaveCount(0);
  await a.page.keyboard.press("Control+k");
  await box.fill("something blue");
  await expect(palette.locator(".search-empty")).toContainText("No images on this board match “something blue”");
  await box.press("Escape");

  await a.context.close();
  await b.context.close();
});
