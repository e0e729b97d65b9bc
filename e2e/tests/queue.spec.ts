import { expect, test } from "@playwright/test";
import { createBoard, graphql, newUser, openLink, prompt, screenshot, shareLink } from "./helpers.ts";

// Issue 18 item 1, two people: A queues eight generations of 16 at once; B sees the card's latest one waiting
// with its place in line and an estimate, watches the place count down, and sees the server's queue in the
// toolbar panel; B (not its starter, not the owner) gets no Cancel; everything finishes.
test("a queued generation's place in line and estimate update live for a collaborator", async ({ browser }) => {
  const a = await newUser(browser, "Ada");
  await createBoard(a.page, "Queue");
  const link = await shareLink(a.page, "editor");
  await a.page.getByRole("button", { name: "+ Prompt card" }).click();
  await prompt(a.page).fill("a red apple");
  const cardId = await a.page.locator("[data-card-id]").first().getAttribute("data-card-id");
  const boardId = new URL(a.page.url()).pathname.split("/").pop()!;

  const b = await newUser(browser, "Bo");
  await openLink(b.page, link);
  await expect(prompt(b.page)).toHaveValue("a red apple");

  for (let i = 0; i < 8; i++) {
    await graphql(
      a.page,
      `mutation($b: ID!, $c: ID!) { startGeneration(boardId: $b, cardId: $c, prompt: "a red apple", n: 16) { id } }`,
      { b: boardId, c: cardId },
    );
  }
  const status = b.page.locator(".gen-status.queued");
  // The estimate is there at once when an earlier spec on this stack already measured the model's speed.
  await expect(status).toContainText(/Queued · (next|\d+(st|nd|rd|th) in line)( · starts in ~\d+ (s|min))? · Ada/);
  const place = async () => {
    // NaN once it no longer waits: the countdown must be seen while it waits, not inferred from its start.
    const text = (await status.textContent({ timeout: 1000 }).catch(() => null)) ?? "";
    return text.includes("next") ? 1 : Number(text.match(/(\d+)(st|nd|rd|th) in line/)?.[1] ?? Number.NaN);
  };
  const first = await place();
  expect(first).toBeGreaterThanOrEqual(2);
  await expect(status).not.toContainText("Cancel"); // B neither started it nor owns the board
  // A started it: her card offers Cancel while it waits.
  await expect(a.page.locator(".gen-status.queued").getByRole("button", { name: "Cancel" })).toBeVisible();

  // The toolbar's queue: this board's waiting runs in turn order, who started them, their place.
  await b.page.getByRole("button", { name: /waiting/ }).click();
  const panel = b.page.getByRole("region", { name: "Generation queue" });
  await expect(panel.getByRole("list", { name: "Waiting on this board" })).toContainText("a red apple");
  await expect(panel).toContainText("Ada");
  await screenshot(b.page, "queue-01-panel");

  // The place counts down, and an estimate appears once the model's speed has been measured.
  await expect.poll(place, { timeout: 60_000 }).toBeLessThan(first);
  await expect(status).toContainText(/starts in ~\d+ (s|min)/, { timeout: 60_000 });
  await b.page.keyboard.press("Escape");
  await expect(b.page.locator("li.tile.done")).toHaveCount(16, { timeout: 120_000 });
  // Nothing runs or waits any more: the toolbar's queue button goes away.
  await expect(b.page.getByRole("button", { name: /waiting|running/ })).toHaveCount(0, { timeout: 20_000 });
  await a.context.close();
  await b.context.close();
});
