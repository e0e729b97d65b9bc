import { expect, test } from "@playwright/test";
import { createBoard, newUser, openLink, prompt, screenshot, shareLink } from "./helpers.ts";

// Issue 18 item 3, two people: A generates with settings of her own and saves them as a preset; B sees the
// preset live, and puts the board's history entry (prompt + every setting) on a new card of his in one
// click, which A sees; Ctrl+Z takes B's change back.
test("prompt history and presets: saved by one, live for the other, restored with every setting, undoable", async ({
  browser,
}) => {
  const a = await newUser(browser, "Ada");
  await createBoard(a.page, "Prompts");
  const link = await shareLink(a.page, "editor");
  await a.page.getByRole("button", { name: "+ Prompt card" }).click();
  await prompt(a.page).fill("a red apple in the top left corner");
  await a.page.getByRole("button", { name: "Generate", exact: true }).click();
  await a.page.getByLabel("Candidates").fill("2");
  await a.page.getByLabel("Seed").fill("4242");
  await a.page.getByLabel("Without").fill("green");
  await a.page.getByRole("button", { name: "Generate 2" }).click();
  await expect(a.page.locator("li.tile.done")).toHaveCount(2, { timeout: 60_000 });
  const summary = "2 images · guidance 3 · temperature 1 · seed 4242 · without “green”";
  await expect(a.page.locator(".card-settings")).toHaveText(summary);

  const b = await newUser(browser, "Bo");
  await openLink(b.page, link);
  await expect(b.page.locator(".card-settings")).toHaveText(summary);

  // A saves the card as a preset (the card is selected: she just worked in it).
  await a.page
    .locator("[data-card-id]")
    .first()
    .click({ position: { x: 10, y: 10 } });
  await a.page.getByRole("button", { name: "Prompts" }).click();
  const libA = a.page.getByRole("dialog", { name: "Prompts" });
  await libA.getByLabel("Preset name").fill("Apple, seed 4242");
  await libA.getByRole("button", { name: "Save preset" }).click();
  await expect(libA.getByRole("list", { name: "Presets" })).toContainText("Apple, seed 4242");

  // B sees it without reloading, and the board's history with every setting.
  await b.page.getByRole("button", { name: "Prompts" }).click();
  const libB = b.page.getByRole("dialog", { name: "Prompts" });
  await expect(libB.getByRole("list", { name: "Presets" })).toContainText("Apple, seed 4242");
  const history = libB.getByRole("list", { name: "Prompt history" });
  await expect(history.getByRole("listitem")).toHaveCount(1);
  await expect(history).toContainText("a red apple in the top left corner");
  await expect(history).toContainText(summary);
  await expect(history).toContainText("Ada");
  await expect(history.locator("img.library-thumb")).toHaveCount(1);
  await screenshot(b.page, "prompts-01-library");
  await b.page.setViewportSize({ width: 390, height: 844 });
  await screenshot(b.page, "prompts-02-library-phone");
  await b.page.setViewportSize({ width: 1280, height: 800 });

  // Nothing selected: "New card" makes a card with the prompt and its settings, for everyone.
  await history.getByRole("button", { name: "New card" }).click();
  await expect(libB).toHaveCount(0);
  await expect(b.page.locator("[data-card-id]")).toHaveCount(2);
  await expect(a.page.locator("[data-card-id]")).toHaveCount(2);
  await expect(a.page.locator(".card-settings")).toHaveText([summary, summary]);
  await expect(prompt(a.page)).toHaveValue("a red apple in the top left corner");
  // The new card's Generate starts from those settings.
  const fresh = b.page.locator("[data-card-id]").nth(1);
  await fresh.getByRole("button", { name: "Generate", exact: true }).click();
  await expect(b.page.getByLabel("Seed")).toHaveValue("4242");
  await expect(b.page.getByLabel("Without")).toHaveValue("green");
  await expect(b.page.getByRole("spinbutton", { name: "Candidates" })).toHaveValue("2");
  await b.page.getByRole("button", { name: "Close" }).click();

  // B's change is one undo step of his.
  await b.page.keyboard.press("Control+z");
  await expect(a.page.locator("[data-card-id]")).toHaveCount(1);

  // A deletes the preset; B's open library follows.
  await b.page.getByRole("button", { name: "Prompts" }).click();
  await libA.getByRole("button", { name: "Delete preset Apple, seed 4242" }).click();
  await expect(b.page.getByRole("dialog", { name: "Prompts" })).toContainText("No presets yet.");
  await a.context.close();
  await b.context.close();
});
