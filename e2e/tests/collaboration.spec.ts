import { expect, test } from "@playwright/test";
import { createBoard, newUser, openLink, prompt, screenshot, shareLink } from "./helpers.ts";

// The whole story in one test, in order, because each step builds on the board the previous one left.
test("two users share a board: typing merges, generation streams live, votes sync, reload restores, viewers can't edit, undo is per-user", async ({
  browser,
}) => {
  const a = await newUser(browser, "Ada");
  const b = await newUser(browser, "Bob");
  await createBoard(a.page, "E2E board");
  const editorLink = await shareLink(a.page, "editor");
  // B's tiles can paint tokens once B has the model's token patches (what each code looks like).
  const bPatches = b.page.waitForResponse((r) => r.request().postData()?.includes("TokenPatches") ?? false, {
    timeout: 60_000,
  });
  await openLink(b.page, editorLink);

  // A creates a card and types; B sees the text.
  await a.page.getByRole("button", { name: "+ Prompt card" }).click();
  await prompt(a.page).click();
  await prompt(a.page).pressSequentially("a red circle");
  await expect(prompt(b.page)).toHaveValue("a red circle");
  await expect(b.page.getByRole("button", { name: /Follow Ada/ })).toBeVisible();

  // Both type at once: A at the end, B at the start; both end with the same merged text.
  await prompt(b.page).click();
  await b.page.keyboard.press("Home");
  await prompt(a.page).click();
  await a.page.keyboard.press("End");
  await Promise.all([
    prompt(a.page).pressSequentially(" on blue", { delay: 15 }),
    prompt(b.page).pressSequentially("big ", { delay: 15 }),
  ]);
  await expect(prompt(a.page)).toHaveValue("big a red circle on blue");
  await expect(prompt(b.page)).toHaveValue("big a red circle on blue");
  await screenshot(a.page, "01-merged-text");

  // B records what its tiles show while the generation streams: each tile's token count, and whether a
  // token mosaic (tokens painted in their codes' colours ahead of the previews) had painted cells.
  await b.page.evaluate(() => {
    const seen = { tokens: [] as number[], painted: false };
    (window as unknown as { tilesSeen: typeof seen }).tilesSeen = seen;
    new MutationObserver(() => {
      for (const li of document.querySelectorAll<HTMLElement>("li.tile:not(.done)")) {
        seen.tokens.push(Number(li.dataset.tokens));
        const mosaic = li.querySelector<HTMLCanvasElement>("canvas.token-mosaic");
        const px = mosaic?.getContext("2d")?.getImageData(0, 0, mosaic.width, mosaic.height).data;
        if (px?.some((v, i) => i % 4 === 3 && v === 255)) seen.painted = true;
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-tokens"] });
  });

  await bPatches;
  // A generates; both pages show partially rendered tiles before the generation finishes.
  await a.page.getByRole("button", { name: "Generate", exact: true }).click();
  await a.page.getByLabel("Candidates").fill("4");
  await a.page.getByRole("button", { name: "Generate 4" }).click();
  // Both pages watched at once, each in one DOM check every 10 ms (a partial tile and the progress status
  // together): checked one after the other, a generation of ~0.5 s could finish between the checks.
  await Promise.all(
    [a.page, b.page].map((page) =>
      page.waitForFunction(
        () =>
          document.querySelector("li.tile:not(.done) img") !== null &&
          Array.from(document.querySelectorAll('[role="status"]')).some((el) => el.textContent?.includes("%")),
        undefined,
        { timeout: 60_000, polling: 10 },
      ),
    ),
  );
  await screenshot(b.page, "02-rendering-live");

  // Then the ranked candidates, on both pages.
  for (const page of [a.page, b.page]) {
    await expect(page.locator("li.tile.done")).toHaveCount(4, { timeout: 120_000 });
    await expect(page.locator(".rank", { hasText: "#1" })).toBeVisible({ timeout: 30_000 });
  }
  await screenshot(a.page, "03-ranked");
  // B's tiles grew token row by token row: counts between two previews (every 4 rows of 16 tokens), and
  // painted mosaic cells.
  const seen = await b.page.evaluate(
    () => (window as unknown as { tilesSeen: { tokens: number[]; painted: boolean } }).tilesSeen,
  );
  expect(seen.tokens.some((n) => n > 0 && n % 64 !== 0)).toBe(true);
  expect(seen.painted).toBe(true);

  // B votes; A sees the count change and the team pick.
  const firstTile = b.page.locator("li.tile").first();
  await firstTile.getByRole("button", { name: /^Vote for candidate/ }).click();
  const aFirst = a.page.locator("li.tile").first();
  await expect(aFirst.locator(".vote-count")).toHaveText("1");
  await expect(a.page.getByText("★ Team pick")).toBeVisible();

  // A reload restores the board, the candidates and the votes.
  await a.page.reload();
  await expect(prompt(a.page)).toHaveValue("big a red circle on blue");
  await expect(a.page.locator("li.tile.done")).toHaveCount(4);
  await expect(a.page.locator("li.tile").first().locator(".vote-count")).toHaveText("1");
  await screenshot(a.page, "04-after-reload");

  // A viewer sees everything but has no edit, generate or vote controls.
  const viewerLink = await shareLink(a.page, "viewer");
  const v = await newUser(browser, "Vic");
  await openLink(v.page, viewerLink);
  await expect(v.page.getByText("View only")).toBeVisible();
  await expect(prompt(v.page)).toHaveValue("big a red circle on blue");
  await expect(prompt(v.page)).not.toBeEditable();
  await expect(v.page.getByRole("button", { name: "+ Prompt card" })).toHaveCount(0);
  await expect(v.page.getByRole("button", { name: "Generate", exact: true })).toHaveCount(0);
  await expect(v.page.getByRole("button", { name: /^Vote for candidate/ })).toHaveCount(0);
  await expect(v.page.locator("li.tile.done")).toHaveCount(4);
  await screenshot(v.page, "05-viewer");

  // Undo in A reverts A's edit only, never B's.
  await prompt(a.page).click();
  await a.page.keyboard.press("End");
  await prompt(a.page).pressSequentially(" AAA");
  await expect(prompt(b.page)).toHaveValue("big a red circle on blue AAA");
  await prompt(b.page).click();
  await b.page.keyboard.press("Home");
  await prompt(b.page).pressSequentially("BBB ");
  await expect(prompt(a.page)).toHaveValue("BBB big a red circle on blue AAA");
  await a.page.keyboard.press("Control+z");
  await expect(prompt(a.page)).toHaveValue("BBB big a red circle on blue");
  await expect(prompt(b.page)).toHaveValue("BBB big a red circle on blue");
  await screenshot(b.page, "06-undo-per-user");

  for (const u of [a, b, v]) await u.context.close();
});

test("friendly errors: an unknown board is a message, not a blank page", async ({ page }) => {
  await page.goto("/b/00000000-0000-0000-0000-000000000000");
  await expect(page.getByRole("alert").filter({ hasText: /\S/ })).toContainText(/doesn't exist|don't have access/);
  await expect(page.getByRole("link", { name: "Back to your boards" })).toBeVisible();
  await screenshot(page, "07-unknown-board");
});
