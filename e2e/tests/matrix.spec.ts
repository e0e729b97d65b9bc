import { expect, test } from "@playwright/test";
import {
  createBoard,
  generate,
  newUser,
  openGallery,
  openLink,
  prompt,
  screenshot,
  seriousViolations,
  shareLink,
} from "./helpers.ts";

// Issue 17 item 4: a prompt with alternatives becomes a labelled grid of generations, one per combination,
// rendering live for everyone on the board; each cell is its generation's best image, votable, and its gallery
// holds all of the cell's candidates.
test("a prompt matrix card renders its labelled grid for both users", async ({ browser }) => {
  const a = await newUser(browser, "Ada");
  await createBoard(a.page, "Matrix");
  const link = await shareLink(a.page, "editor");
  await a.page.getByRole("button", { name: "+ Prompt card" }).click();
  // Too many combinations: said before anything runs.
  await prompt(a.page).fill("a {red|blue|green|yellow|pink} {apple|banana|cat|rocket}");
  await expect(a.page.getByRole("note")).toContainText("20 combinations (5 × 4); a matrix has at most 16");
  await prompt(a.page).fill("a {red|blue} {apple|banana}");
  await expect(a.page.getByRole("note")).toContainText("Matrix · 2 × 2 = 4 generations");

  const b = await newUser(browser, "Bo");
  await openLink(b.page, link);
  await generate(a.page, a.page, 2);

  for (const page of [a.page, b.page]) {
    const grid = page.getByRole("table");
    await expect(grid.getByRole("columnheader", { name: "apple" })).toBeVisible();
    await expect(grid.getByRole("columnheader", { name: "banana" })).toBeVisible();
    await expect(grid.getByRole("rowheader", { name: "red" })).toBeVisible();
    await expect(grid.getByRole("rowheader", { name: "blue" })).toBeVisible();
    await expect(grid.locator("li.tile.done")).toHaveCount(4, { timeout: 90_000 });
  }
  await screenshot(a.page, "matrix-01-grid");
  expect(await seriousViolations(a.page)).toEqual([]);
  // A cell is a candidate like any other: B votes on the red banana (the first row: in view).
  const cell = b.page.getByRole("table").getByRole("group", { name: "a red banana" });
  await cell.getByRole("button", { name: /Vote/ }).click();
  await expect(cell.getByRole("button", { name: /Vote/ })).toHaveAttribute("aria-pressed", "true");
  await expect(
    a.page.getByRole("table").getByRole("group", { name: "a red banana" }).locator(".vote-count"),
  ).toHaveText("1");
  // A cell shows its best image; its gallery holds both of the cell's candidates.
  const gallery = await openGallery(b.page, cell);
  await expect(gallery).toHaveAccessibleName("Gallery: a red banana");
  await expect(gallery.getByRole("list", { name: "All candidates" }).getByRole("listitem")).toHaveCount(2);
  await screenshot(b.page, "matrix-03-cell-gallery");
  await b.page.keyboard.press("Escape");
  await expect(gallery).toBeHidden();
  await a.page.setViewportSize({ width: 390, height: 844 });
  await a.page.getByRole("application", { name: "Board canvas" }).click({ position: { x: 8, y: 8 } });
  await a.page.keyboard.press("Shift+Digit1"); // fit the board to the phone's screen
  await a.page.waitForTimeout(400);
  await screenshot(a.page, "matrix-02-phone");
});
