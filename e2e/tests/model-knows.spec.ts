import { expect, test } from "@playwright/test";
import { createBoard, newUser, prompt, screenshot } from "./helpers.ts";

// The sticker model as a new user meets it: everyday words and Chinese work, an unknown word gets a concept
// suggestion (never "cat → at"), "What it knows" lists the concepts with pictures and puts one in a prompt,
// and the images are the model's 128 px.
test("hints come from what the model knows; its concept list inserts into a prompt; images are 128 px", async ({
  browser,
}) => {
  const a = await newUser(browser, "Ada");
  await createBoard(a.page, "Stickers");
  await a.page.getByRole("button", { name: "+ Prompt card" }).click();
  await prompt(a.page).click();
  await prompt(a.page).pressSequentially("a rabit next to a carrot 一只猫");
  const hints = a.page.getByRole("list", { name: "Unknown words" });
  await expect(hints).toContainText("rabit");
  await expect(hints).not.toContainText("carrot");
  await expect(hints).not.toContainText("猫");
  await hints.getByRole("button", { name: "rabbit" }).click();
  await expect(prompt(a.page)).toHaveValue("a rabbit next to a carrot 一只猫");
  await expect(hints).toHaveCount(0);

  // What it knows: searchable in Chinese, with pictures; choosing one adds it to the selected prompt card.
  await a.page.getByRole("button", { name: "What it knows" }).click();
  const dialog = a.page.getByRole("dialog", { name: "What this model knows" });
  await expect(dialog.locator(".concept")).not.toHaveCount(0);
  expect(await dialog.locator(".concept").count()).toBeGreaterThanOrEqual(400);
  await dialog.getByLabel("Search what the model knows").fill("熊猫");
  await expect(dialog.locator(".concept")).toHaveCount(1);
  await screenshot(a.page, "knows-01-search");
  await dialog.locator(".concept").first().click();
  await expect(dialog).toHaveCount(0);
  await expect(prompt(a.page)).toHaveValue("a rabbit next to a carrot 一只猫 panda");

  // A generation: the final images are the model's own size.
  await prompt(a.page).fill("a cat in the top left corner");
  await a.page.getByRole("button", { name: "Generate", exact: true }).click();
  await a.page.getByLabel("Candidates").fill("2");
  await a.page.getByRole("button", { name: "Generate 2" }).click();
  await expect(a.page.locator("li.tile.done")).toHaveCount(2, { timeout: 60_000 });
  const widths = await a.page
    .locator("li.tile.done img")
    .evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
  expect(widths).toEqual([128, 128]);
  await screenshot(a.page, "knows-02-generated");
  await a.context.close();
});
