import { expect, type Page, test } from "@playwright/test";
import { createBoard, newUser, openLink, prompt, screenshot, seriousViolations, shareLink } from "./helpers.ts";

const prompts = (page: Page) => page.getByRole("textbox", { name: "Prompt" });

async function openVersions(page: Page) {
  await page.getByRole("button", { name: "Versions", exact: true }).click();
  const panel = page.getByRole("complementary", { name: "Version history" });
  await expect(panel).toBeVisible();
  return panel;
}

// Issue 18 item 4, two people: A saves a named version, both keep editing, A browses the version read-only and
// restores it; the restore appears on both screens at once, B is told and undoes it, and both are back.
test("a restored version appears on both screens, and the other person can undo it", async ({ browser }) => {
  const a = await newUser(browser, "Ada");
  await createBoard(a.page, "Versions");
  const link = await shareLink(a.page, "editor");
  await a.page.getByRole("button", { name: "+ Prompt card" }).click();
  await prompt(a.page).fill("a red apple");

  const panel = await openVersions(a.page);
  await expect(panel.getByRole("button", { name: /^Live board/ })).toHaveAttribute("aria-current", "true");
  await panel.getByLabel("Version name").fill("First idea");
  await panel.getByRole("button", { name: "Save", exact: true }).click();
  await expect(panel.getByRole("button", { name: /^First idea/ })).toContainText("Ada");
  await expect(panel.getByRole("button", { name: /^First idea/ })).toContainText("1 card");

  const b = await newUser(browser, "Bo");
  await openLink(b.page, link);
  await expect(prompts(b.page)).toHaveValue("a red apple");
  // Work after the version, from both sides.
  await prompts(b.page).first().fill("a blue banana");
  await a.page.getByRole("button", { name: "+ Prompt card" }).click();
  await prompts(a.page).nth(1).fill("a rocket");
  for (const page of [a.page, b.page]) {
    await expect(prompts(page)).toHaveCount(2);
    await expect(prompts(page).first()).toHaveValue("a blue banana");
  }

  // Browse: the canvas shows the version, read-only, with a banner; the live board is untouched.
  // The history is a side panel, not a dialog: it stayed open while A went on editing.
  const panelA = panel;
  await expect(panelA).toBeVisible();
  await panelA.getByRole("button", { name: /^First idea/ }).click();
  const banner = a.page.getByRole("status").filter({ hasText: "Viewing" });
  await expect(banner).toContainText("First idea");
  await expect(banner).toContainText("read-only");
  await expect(prompts(a.page)).toHaveCount(1);
  await expect(prompts(a.page)).toHaveValue("a red apple");
  await expect(a.page.getByRole("button", { name: "+ Prompt card" })).toHaveCount(0);
  await expect(prompts(b.page)).toHaveCount(2);
  await screenshot(a.page, "versions-01-browse");
  expect(await seriousViolations(a.page)).toEqual([]);

  // Restore: both screens at once; B is told who did it, with Undo.
  await banner.getByRole("button", { name: "Restore this version" }).click();
  await expect(a.page.getByRole("status").filter({ hasText: "You restored the version “First idea”" })).toBeVisible();
  await expect(banner).toHaveCount(0);
  for (const page of [a.page, b.page]) {
    await expect(prompts(page)).toHaveCount(1);
    await expect(prompts(page)).toHaveValue("a red apple");
  }
  const notice = b.page.getByRole("status").filter({ hasText: "Ada restored the version “First idea”" });
  await expect(notice).toBeVisible();
  await screenshot(b.page, "versions-02-restored-notice");
  // The list now holds the copy kept before the restore.
  await expect(panelA.getByRole("button", { name: /^Before restoring “First idea”/ })).toBeVisible();
  await screenshot(a.page, "versions-03-panel");

  // B undoes A's restore: both are back to the edited board.
  await notice.getByRole("button", { name: "Undo" }).click();
  for (const page of [a.page, b.page]) {
    await expect(prompts(page)).toHaveCount(2);
    await expect(prompts(page).first()).toHaveValue("a blue banana");
    await expect(prompts(page).nth(1)).toHaveValue("a rocket");
  }
  await expect(a.page.getByRole("status").filter({ hasText: "Bo undid a restore" })).toBeVisible();

  // Phone: the history is a bottom sheet and the banner wraps.
  await a.page.setViewportSize({ width: 390, height: 844 });
  await panelA.getByRole("button", { name: /^First idea/ }).click();
  await expect(a.page.getByRole("status").filter({ hasText: "Viewing" })).toBeVisible();
  await screenshot(a.page, "versions-04-phone");
  await a.page.keyboard.press("Escape");
  await expect(a.page.getByRole("status").filter({ hasText: "Viewing" })).toHaveCount(0);
  await expect(prompts(a.page)).toHaveCount(2);
});
