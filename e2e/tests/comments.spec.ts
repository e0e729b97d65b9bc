import { expect, test } from "@playwright/test";
import {
  createBoard,
  generate,
  graphql,
  newUser,
  openGallery,
  openLink,
  prompt,
  screenshot,
  shareLink,
} from "./helpers.ts";

// Issue 18 item 2, two people: A comments on a candidate in the gallery; B sees it live (the tile's comment
// badge with an unread dot, then the thread in the gallery) and replies; A sees the reply without reloading;
// reactions sit beside the votes and count per person; @names of members are mentions.
test("comments and reactions on a candidate are live for both, with unread markers", async ({ browser }) => {
  const a = await newUser(browser, "Ada");
  await createBoard(a.page, "Comments");
  const link = await shareLink(a.page, "editor");
  await a.page.getByRole("button", { name: "+ Prompt card" }).click();
  await prompt(a.page).fill("a red apple");
  await generate(a.page, a.page, 2);
  await expect(a.page.locator("li.tile.done")).toHaveCount(2, { timeout: 60_000 });

  const b = await newUser(browser, "Bo");
  await openLink(b.page, link);
  await expect(b.page.locator("li.tile.done")).toHaveCount(2);

  const galleryA = await openGallery(a.page, a.page);
  const threadA = galleryA.getByRole("region", { name: "Comments" });
  await expect(threadA).toContainText("No comments yet");
  await threadA.getByLabel("Add a comment").fill("Love the shine on this one");
  // Typing in the thread is not a gallery shortcut: "v" and arrows stay in the text.
  await threadA.getByLabel("Add a comment").press("v");
  await threadA.getByLabel("Add a comment").press("Backspace");
  await threadA.getByRole("button", { name: "Comment", exact: true }).click();
  await expect(threadA.getByRole("list", { name: "Comment thread" })).toContainText("Love the shine on this one");
  await threadA.getByRole("button", { name: "🔥 0" }).click();
  await expect(threadA.getByRole("button", { name: "🔥 1" })).toHaveAttribute("aria-pressed", "true");

  // B, without reloading: the tile shows one comment, unread.
  const badge = b.page.locator(".comment-count").first();
  await expect(badge).toContainText("1");
  await expect(badge.locator(".unread-dot")).toHaveCount(1);
  const commented = b.page.locator("li.tile", { has: b.page.locator(".comment-count") });
  await commented.getByRole("button", { name: /Open candidate/ }).click();
  const galleryB = b.page.getByRole("dialog", { name: /^Gallery:/ });
  const threadB = galleryB.getByRole("region", { name: "Comments" });
  await expect(threadB).toContainText("Ada");
  await expect(threadB).toContainText("Love the shine on this one");
  await expect(threadB.getByRole("button", { name: "🔥 1" })).toHaveAttribute("aria-pressed", "false");
  await screenshot(b.page, "comments-01-gallery");
  await threadB.getByLabel("Add a comment").fill("Agreed @ada, but the stem is odd");
  await threadB.getByLabel("Add a comment").press("Control+Enter");
  await expect(threadB.getByRole("list", { name: "Comment thread" }).getByRole("listitem")).toHaveCount(2);
  await threadB.getByRole("button", { name: "🔥 1" }).click();

  // A's open gallery follows.
  await expect(threadA.getByRole("list", { name: "Comment thread" })).toContainText("Agreed @ada, but the stem is odd");
  // A board member's name after @ is a mention; for Ada, one of her.
  await expect(threadA.locator("mark.mention.me")).toHaveText("@ada");
  await expect(threadB.locator("mark.mention")).toHaveText("@ada");
  await expect(threadB.locator("mark.mention.me")).toHaveCount(0);
  await expect(threadA.getByRole("button", { name: "🔥 2" })).toBeVisible();
  // B read the thread when he opened it: after closing, his badge has no unread dot.
  await b.page.keyboard.press("Escape");
  await expect(b.page.locator(".comment-count").first()).toContainText("2");
  await expect(b.page.locator(".comment-count .unread-dot")).toHaveCount(0);
  await commented.getByRole("button", { name: /Open candidate/ }).click();
  await expect(galleryB.getByRole("region", { name: "Comments" })).toContainText("Agreed");
  await b.page.setViewportSize({ width: 390, height: 844 });
  await screenshot(b.page, "comments-02-gallery-phone");

  // Cards have threads too: B opens the card's comments, A writes there, B's open thread follows.
  await b.page.keyboard.press("Escape");
  await b.page.setViewportSize({ width: 1280, height: 800 });
  await a.page.keyboard.press("Escape");
  await b.page.getByRole("button", { name: "Comments on this card" }).click();
  const cardThreadB = b.page.locator(".card-comments").getByRole("region", { name: "Comments" });
  await expect(cardThreadB).toContainText("No comments yet: discuss this card here.");
  await a.page.getByRole("button", { name: "Comments on this card" }).click();
  const cardThreadA = a.page.locator(".card-comments").getByRole("region", { name: "Comments" });
  await cardThreadA.getByLabel("Add a comment").fill("Shall we try @Bo's idea: a green apple?");
  await cardThreadA.getByRole("button", { name: "Comment", exact: true }).click();
  await expect(cardThreadB.getByRole("list", { name: "Comment thread" })).toContainText("a green apple?");
  await expect(cardThreadB.locator("mark.mention.me")).toHaveText("@Bo");
  await screenshot(b.page, "comments-03-card");

  // The owner lets viewers comment from the Share menu; it is stored for the board.
  await a.page.getByText("Share", { exact: true }).click();
  await a.page.getByLabel("Viewers may comment and react").check();
  const boardId = new URL(a.page.url()).pathname.split("/").pop()!;
  await expect
    .poll(
      async () =>
        (
          await graphql<{ board: { viewersMayComment: boolean } }>(
            a.page,
            `query($b: ID!) { board(id: $b) { viewersMayComment } }`,
            { b: boardId },
          )
        ).board.viewersMayComment,
    )
    .toBe(true);
  await a.context.close();
  await b.context.close();
});
