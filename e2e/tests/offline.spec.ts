import { expect, test } from "@playwright/test";
import { connection, createBoard, newUser, openLink, prompt, screenshot, shareLink } from "./helpers.ts";
import { routeYjs, type YjsNetwork } from "./network.ts";

test("offline edits merge on reconnect: A types offline while B types in the same card, nothing is lost", async ({
  browser,
}) => {
  let net!: YjsNetwork;
  const a = await newUser(browser, "Ada", async (page) => {
    net = await routeYjs(page);
  });
  const b = await newUser(browser, "Bob");
  await createBoard(a.page, "Offline board");
  await openLink(b.page, await shareLink(a.page, "editor"));

  await a.page.getByRole("button", { name: "+ Prompt card" }).click();
  await prompt(a.page).click();
  await prompt(a.page).pressSequentially("a red circle");
  await expect(prompt(b.page)).toHaveValue("a red circle");

  // A drops off the network: the indicator says so (and stays so through refused reconnect attempts).
  await net.goOffline();
  await expect(connection(a.page)).toContainText("Offline");
  await expect(connection(b.page)).toHaveText("Online");

  // Both edit the same card: A at the end (offline), B at the start (online), plus a note A adds offline.
  await prompt(a.page).click();
  await a.page.keyboard.press("End");
  await prompt(a.page).pressSequentially(" on blue");
  await prompt(b.page).click();
  await b.page.keyboard.press("Home");
  await prompt(b.page).pressSequentially("big ");
  await a.page.getByRole("button", { name: "+ Note" }).click();
  await expect(prompt(a.page)).toHaveValue("a red circle on blue");
  // The provider retries (after ≥ 1 s) and is refused; the indicator stays Offline throughout, and in that
  // time neither side has seen the other's edit — they are really apart.
  await expect.poll(() => net.refused(), { timeout: 15_000 }).toBeGreaterThan(0);
  await expect(connection(a.page)).toContainText("Offline");
  await expect(prompt(a.page)).toHaveValue("a red circle on blue");
  await expect(prompt(b.page)).toHaveValue("big a red circle");
  await expect(b.page.getByRole("region", { name: "Sticky note" })).toHaveCount(0);
  await screenshot(a.page, "offline-01-editing-offline");

  // Back online: both pages converge on the merged text, the note arrives, the indicator is Online again.
  await net.goOnline();
  await expect(connection(a.page)).toHaveText("Online");
  for (const page of [a.page, b.page]) {
    await expect(prompt(page)).toHaveValue("big a red circle on blue");
    await expect(page.getByRole("region", { name: "Sticky note" })).toHaveCount(1);
  }
  await screenshot(b.page, "offline-02-merged");

  // The server has the merge too: a fresh load of the board shows it.
  await b.page.reload();
  await expect(connection(b.page)).toHaveText("Online");
  await expect(prompt(b.page)).toHaveValue("big a red circle on blue");
  await expect(b.page.getByRole("region", { name: "Sticky note" })).toHaveCount(1);

  for (const u of [a, b]) await u.context.close();
});

// Chromium's offline mode alone keeps the socket nominally open while frames stop (verified: the provider
// still reports "connected"); the board listens to the browser's offline/online events so the indicator
// is honest at once and the stalled socket is replaced when the network returns.
test("the browser's offline mode alone: indicator offline at once, edits sync when the network returns", async ({
  browser,
}) => {
  const a = await newUser(browser, "Ada");
  const b = await newUser(browser, "Bob");
  await createBoard(a.page, "Offline mode board");
  await openLink(b.page, await shareLink(a.page, "editor"));
  await a.page.getByRole("button", { name: "+ Prompt card" }).click();
  await expect(prompt(b.page)).toHaveValue("");

  await a.context.setOffline(true);
  await expect(connection(a.page)).toContainText("Offline");
  await prompt(a.page).click();
  await prompt(a.page).pressSequentially("typed offline");
  await a.page.waitForTimeout(1500);
  await expect(prompt(b.page)).toHaveValue("");

  await a.context.setOffline(false);
  await expect(connection(a.page)).toHaveText("Online");
  await expect(prompt(b.page)).toHaveValue("typed offline");

  for (const u of [a, b]) await u.context.close();
});
