import { expect, test } from "@playwright/test";
import sharp from "sharp";
import { createBoard, newUser, openGallery, openLink, prompt, screenshot, shareLink } from "./helpers.ts";

// Issue 17 item 3, two people: A starts a prompt card from a picture of their own; B sees it arrive, then
// watches A's completion of it (its top rows kept, the rest drawn with the card's prompt) render live.
test("a picture uploaded on a card is completed live for both users; a bad file says why", async ({ browser }) => {
  const a = await newUser(browser, "Ada");
  await createBoard(a.page, "Upload");
  const link = await shareLink(a.page, "editor");
  await a.page.getByRole("button", { name: "+ Prompt card" }).click();
  await prompt(a.page).fill("a blue circle");
  const b = await newUser(browser, "Bo");
  await openLink(b.page, link);

  // Not a picture: the card says why, and nothing appears on it.
  const picker = a.page.getByLabel("Picture to start from");
  await picker.setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not a picture") });
  await expect(a.page.getByRole("alert").filter({ hasText: "isn't a picture Tessera can read" })).toBeVisible();
  await expect(a.page.locator("li.tile")).toHaveCount(0);

  // A picture: a red disc on white, 300 px, as someone's own drawing might be.
  const disc = await sharp(
    Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300"><rect width="300" height="300" fill="#fff"/><circle cx="150" cy="110" r="80" fill="#e03030"/></svg>',
    ),
  )
    .png()
    .toBuffer();
  await a.page.getByRole("button", { name: "Card menu" }).click();
  const chooser = a.page.waitForEvent("filechooser");
  await a.page.getByRole("menuitem", { name: "Start from a picture…" }).click();
  await (await chooser).setFiles({ name: "disc.png", mimeType: "image/png", buffer: disc });
  for (const page of [a.page, b.page]) await expect(page.locator("li.tile.done")).toHaveCount(1);
  await screenshot(b.page, "upload-01-picture");

  // A completes it from its top half; B watches the completion render, then finish.
  const gallery = await openGallery(a.page, a.page);
  await gallery.getByLabel(/Keep top rows/).fill("8");
  await b.page.evaluate(() => {
    (window as unknown as { partial: boolean }).partial = false;
    new MutationObserver(() => {
      if (document.querySelector("li.tile:not(.done)")) (window as unknown as { partial: boolean }).partial = true;
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await screenshot(a.page, "upload-02-gallery");
  await gallery.getByRole("button", { name: "Complete" }).click();
  for (const page of [a.page, b.page]) await expect(page.locator("li.tile.done")).toHaveCount(4, { timeout: 90_000 });
  expect(await b.page.evaluate(() => (window as unknown as { partial: boolean }).partial)).toBe(true);
  await screenshot(b.page, "upload-03-completed");
  // Phone: the board fitted to the screen, the card's menu offering a picture.
  await a.page.setViewportSize({ width: 390, height: 844 });
  await a.page.getByRole("application", { name: "Board canvas" }).click({ position: { x: 8, y: 8 } });
  await a.page.keyboard.press("Shift+Digit1");
  await a.page.getByRole("button", { name: "Card menu" }).click();
  await expect(a.page.getByRole("menuitem", { name: "Start from a picture…" })).toBeVisible();
  await screenshot(a.page, "upload-04-phone-menu");
});
