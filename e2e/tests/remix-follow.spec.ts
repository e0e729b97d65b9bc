import { readFileSync } from "node:fs";
import { expect, type Page, test } from "@playwright/test";
import { unzipSync } from "fflate";
import { createBoard, graphql, newUser, openLink, prompt, screenshot, shareLink } from "./helpers.ts";

/** The board camera as written on the transformed layer: `scale(z) translate(-x px, -y px)`. */
async function camera(page: Page): Promise<{ x: number; y: number; zoom: number }> {
  const t = await page.locator(".world").evaluate((el) => (el as HTMLElement).style.transform);
  const m = /scale\(([^)]+)\) translate\(([^,]+)px, ([^)]+)px\)/.exec(t);
  if (!m) throw new Error(`unexpected camera transform "${t}"`);
  return { zoom: Number(m[1]), x: -Number(m[2]), y: -Number(m[3]) };
}

async function cardPosition(page: Page, index = 0): Promise<{ x: number; y: number }> {
  const t = await page
    .locator("section[data-card-id]")
    .nth(index)
    .evaluate((el) => (el as HTMLElement).style.transform);
  const m = /translate\(([^,]+)px, ([^)]+)px\)/.exec(t);
  if (!m) throw new Error(`unexpected card transform "${t}"`);
  return { x: Number(m[1]), y: Number(m[2]) };
}

/** Drags on empty canvas (bottom-left, below where the toolbar puts cards): a pan. */
async function panCanvas(page: Page, dx: number, dy: number): Promise<void> {
  await page.mouse.move(120, 700);
  await page.mouse.down();
  await page.mouse.move(120 + dx, 700 + dy, { steps: 6 });
  await page.mouse.up();
}

interface GenRow {
  id: string;
  status: string;
  seed: number;
  sourceCandidateId: string | null;
  keepRows: number | null;
  createdAt: string;
  candidates: { id: string; tokens: number[] | null }[];
}
const Q_CARD_GENERATIONS = `query Gens($boardId: ID!, $cardId: ID!) {
  model { gridCols }
  generations(boardId: $boardId, cardId: $cardId, limit: 20) {
    id status seed sourceCandidateId keepRows createdAt candidates { id tokens }
  }
}`;

async function cardGenerations(page: Page, boardId: string, cardId: string) {
  const r = await graphql<{ model: { gridCols: number }; generations: GenRow[] }>(page, Q_CARD_GENERATIONS, {
    boardId,
    cardId,
  });
  const gens = [...r.generations].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return { gridCols: r.model.gridCols, gens };
}

test("keyboard moves, follow a collaborator, then open a candidate: download, remix, variations", async ({
  browser,
}) => {
  const a = await newUser(browser, "Ada");
  const b = await newUser(browser, "Bob");
  const boardId = await createBoard(a.page, "Remix board");
  await openLink(b.page, await shareLink(a.page, "editor"));

  // Keyboard: the new card is selected; arrows move it for everyone (Shift = larger step), each undoable.
  await a.page.getByRole("button", { name: "+ Prompt card" }).click();
  // A new prompt card takes the caret; grabbing its header ends typing, so arrows move the card.
  await a.page.locator(".card-header").first().click();
  const start = await cardPosition(a.page);
  await a.page.keyboard.press("ArrowRight");
  await expect.poll(() => cardPosition(a.page)).toEqual({ x: start.x + 10, y: start.y });
  await expect.poll(() => cardPosition(b.page)).toEqual({ x: start.x + 10, y: start.y });
  await a.page.keyboard.press("Control+z");
  await expect.poll(() => cardPosition(b.page)).toEqual(start);
  await a.page.keyboard.press("Shift+ArrowDown");
  await expect.poll(() => cardPosition(b.page)).toEqual({ x: start.x, y: start.y + 50 });
  await a.page.keyboard.press("Control+z");
  await expect.poll(() => cardPosition(b.page)).toEqual(start);
  await expect(a.page.locator("section[data-card-id]")).toHaveCount(1);
  // Duplicate, delete the duplicate, undo the delete, undo the duplicate.
  const cards = (page: Page) => page.locator("section[data-card-id]");
  await a.page.keyboard.press("Control+d");
  await expect(cards(b.page)).toHaveCount(2);
  await a.page.keyboard.press("Delete");
  await expect(cards(b.page)).toHaveCount(1);
  await a.page.keyboard.press("Control+z");
  await expect(cards(b.page)).toHaveCount(2);
  await a.page.keyboard.press("Control+z");
  await expect(cards(b.page)).toHaveCount(1);
  await a.page.keyboard.press("?");
  const help = a.page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(help).toContainText("Move selection");
  await a.page.keyboard.press("Escape");
  await expect(help).toHaveCount(0);

  // Follow: B follows Ada; Ada zooms and pans; B's camera becomes Ada's (same window size).
  await b.page.getByRole("button", { name: "Follow Ada" }).click();
  await expect(b.page.getByRole("button", { name: "Stop following Ada" })).toHaveAttribute("aria-pressed", "true");
  await a.page.keyboard.press("=");
  await a.page.keyboard.press("=");
  await panCanvas(a.page, 150, -90);
  const aCam = await camera(a.page);
  expect(aCam.zoom).toBeCloseTo(1.44, 5);
  await expect(async () => {
    const bCam = await camera(b.page);
    expect(bCam.zoom).toBeCloseTo(aCam.zoom, 5);
    expect(bCam.x).toBeCloseTo(aCam.x, 3);
    expect(bCam.y).toBeCloseTo(aCam.y, 3);
  }).toPass({ timeout: 10_000 });
  await screenshot(b.page, "remix-01-following");
  // B pans on its own: following stops, and Ada's next moves no longer move B.
  await panCanvas(b.page, -60, 40);
  await expect(b.page.getByRole("button", { name: "Follow Ada" })).toHaveAttribute("aria-pressed", "false");
  const bOwn = await camera(b.page);
  await a.page.keyboard.press("-");
  await panCanvas(a.page, -200, 0);
  await a.page.waitForTimeout(500);
  expect(await camera(b.page)).toEqual(bOwn);

  // A generation of 2, then open candidate 1 large.
  await prompt(a.page).click();
  await prompt(a.page).pressSequentially("a red circle");
  await a.page.getByRole("button", { name: "Generate", exact: true }).click();
  await a.page.getByLabel("Candidates").fill("2");
  await a.page.getByRole("button", { name: "Generate 2" }).click();
  await expect(a.page.locator("li.tile.done")).toHaveCount(2, { timeout: 120_000 });
  await expect(a.page.locator(".rank", { hasText: "#1" })).toBeVisible({ timeout: 30_000 });
  const cardId = await a.page.locator("section[data-card-id]").first().getAttribute("data-card-id");
  expect(cardId).toBeTruthy();

  await a.page.getByRole("button", { name: "Open candidate #1" }).click();
  const dialog = a.page.getByRole("dialog", { name: /^Gallery:/ });
  await expect(dialog).toBeVisible();
  await screenshot(a.page, "remix-02-candidate-large");

  // Download PNG: a .png file that really is a PNG.
  const [download] = await Promise.all([
    a.page.waitForEvent("download"),
    dialog.getByRole("link", { name: /Download PNG/ }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/\.png$/);
  const bytes = readFileSync(await download.path());
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const sourceId = /\/images\/([^/]+)\.png$/.exec(
    (await dialog.getByRole("link", { name: /Download PNG/ }).getAttribute("href")) ?? "",
  )?.[1];
  expect(sourceId).toBeTruthy();

  // Remix keeping the top rows (the slider's default, half the grid): a new generation on the card, on both
  // pages, whose candidates all start with the source's top rows.
  const keepRows = Number(/(\d+)/.exec((await dialog.getByText(/Keep top rows/).textContent()) ?? "")?.[1]);
  expect(keepRows).toBeGreaterThan(0);
  await dialog.getByRole("button", { name: "Remix" }).click();
  await expect(dialog).toHaveCount(0);
  for (const page of [a.page, b.page])
    await expect(page.getByRole("button", { name: /History · #2 of 2/ })).toBeVisible();
  let remix: GenRow | undefined;
  await expect(async () => {
    const { gens } = await cardGenerations(a.page, boardId, cardId!);
    remix = gens.find((g) => g.sourceCandidateId === sourceId);
    expect(remix?.status).toBe("FINISHED");
  }).toPass({ timeout: 120_000 });
  const { gridCols, gens } = await cardGenerations(a.page, boardId, cardId!);
  const source = gens[0]!.candidates.find((c) => c.id === sourceId)!;
  const kept = source.tokens!.slice(0, keepRows * gridCols);
  expect(remix!.keepRows).toBe(keepRows);
  expect(remix!.candidates).toHaveLength(2);
  for (const c of remix!.candidates) expect(c.tokens!.slice(0, keepRows * gridCols)).toEqual(kept);
  for (const page of [a.page, b.page]) {
    await expect(page.locator("li.tile.done")).toHaveCount(2, { timeout: 30_000 });
    await expect(page.locator(".rank", { hasText: "#1" })).toBeVisible({ timeout: 30_000 });
  }
  // The card's history says what each generation was, with its picture: the remix names its source by
  // generation and rank. Choosing the first shows its tiles; the next generation brings the view back.
  for (const page of [a.page, b.page]) {
    await page.getByRole("button", { name: /History · #2 of 2/ }).click();
    const list = page.getByRole("list", { name: "Generations on this card" });
    const remixEntry = list.getByRole("button", {
      name: new RegExp(
        `^#2 · remix of #1's rank \\d+ \\(top ${keepRows} rows kept\\) · 2 images · seed \\d+ \\(latest\\)$`,
      ),
    });
    await expect(remixEntry).toHaveAttribute("aria-current", "true");
    await expect(remixEntry.locator("img")).toHaveCount(1);
    await expect(list.getByRole("button", { name: /^#1 · new · 2 images · seed \d+$/ }).locator("img")).toHaveCount(1);
    if (page === a.page) await screenshot(page, "remix-03b-history");
    await page.keyboard.press("Escape");
    await expect(list).toHaveCount(0);
  }
  await screenshot(b.page, "remix-03-remixed");

  // Variations of the remix: new seeds, same kept rows, a third generation on the card.
  await a.page.getByRole("button", { name: "Open candidate #1" }).click();
  await a.page
    .getByRole("dialog", { name: /^Gallery:/ })
    .getByRole("button", { name: "Variations" })
    .click();
  await expect(a.page.getByRole("button", { name: /History · #3 of 3/ })).toBeVisible();
  let variation: GenRow | undefined;
  await expect(async () => {
    const { gens: all } = await cardGenerations(a.page, boardId, cardId!);
    expect(all).toHaveLength(3);
    variation = all[2];
    expect(variation?.status).toBe("FINISHED");
  }).toPass({ timeout: 120_000 });
  expect(variation!.seed).not.toBe(remix!.seed);
  expect(variation!.sourceCandidateId).toBe(sourceId);
  expect(variation!.candidates).toHaveLength(2); // the loop below must have something to check
  for (const c of variation!.candidates) expect(c.tokens!.slice(0, keepRows * gridCols)).toEqual(kept);
  await expect(b.page.locator("li.tile.done")).toHaveCount(2, { timeout: 30_000 });
  await screenshot(b.page, "remix-04-variations");

  // Export: the board as a ZIP — every image at the model's size and ×4, the JSON, the contact sheet.
  const exported = a.page.waitForEvent("download");
  await a.page.getByRole("link", { name: "Export" }).click();
  const zip = unzipSync(readFileSync(await (await exported).path()));
  const doc = JSON.parse(new TextDecoder().decode(zip["tessera.json"]));
  expect(doc.generations).toHaveLength(3);
  expect(Object.keys(zip).filter((n) => /rank-\d\.png$/.test(n))).toHaveLength(6);
  expect(Object.keys(zip).filter((n) => /-x4\.png$/.test(n))).toHaveLength(6);
  expect(zip["contact-sheet.png"]).toBeDefined();

  for (const u of [a, b]) await u.context.close();
});
