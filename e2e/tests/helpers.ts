import { mkdirSync } from "node:fs";
import { join } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { type Browser, type BrowserContext, expect, type Locator, type Page } from "@playwright/test";
import { ARTIFACTS } from "../stack.ts";

/**
 * A fresh browser context is a fresh guest user (the API sets its session cookie on first request).
 * `beforeLoad` runs before the first navigation (routes must be in place before the page opens sockets).
 */
export async function newUser(
  browser: Browser,
  name: string,
  beforeLoad?: (page: Page) => Promise<void>,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await beforeLoad?.(page);
  await page.goto("/");
  // Wait for the guest name to load first: a fill racing the load could land after Playwright selected the
  // (then empty) field and end up appended to the loaded name.
  await expect(page.getByLabel("Display name")).not.toHaveValue("");
  await page.getByLabel("Display name").fill(name);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved" })).toBeVisible();
  // Next keeps an empty route-announcer alert on every page; only a non-empty alert is an error.
  await expect(page.getByRole("alert").filter({ hasText: /\S/ })).toHaveCount(0);
  return { context, page };
}

export async function createBoard(page: Page, name: string): Promise<string> {
  await page.goto("/");
  await page.getByLabel("New board").fill(name);
  await page.getByRole("button", { name: "Create board" }).click();
  await page.waitForURL(/\/b\/[^/]+$/);
  await expect(page.getByRole("status", { name: "Connection" })).toHaveText("Online");
  return new URL(page.url()).pathname.split("/").pop()!;
}

export async function shareLink(page: Page, role: "editor" | "viewer"): Promise<string> {
  await page.getByText("Share", { exact: true }).click();
  await page.getByRole("button", { name: `Create ${role} link` }).click();
  const input = page.getByLabel(role === "editor" ? "Editor link" : "Viewer link");
  await expect(input).toHaveValue(/\/join\//);
  const url = await input.inputValue();
  await page.getByText("Share", { exact: true }).click();
  return url;
}

export async function openLink(page: Page, url: string): Promise<void> {
  await page.goto(new URL(url).pathname);
  await page.waitForURL(/\/b\/[^/]+$/);
  await expect(page.getByRole("status", { name: "Connection" })).toHaveText("Online");
}

export function prompt(page: Page) {
  return page.getByRole("textbox", { name: "Prompt" }).first();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

export function connection(page: Page) {
  return page.getByRole("status", { name: "Connection" });
}

/** Sends a GraphQL request as this page's user (the context's session cookie rides along). */
export async function graphql<T>(page: Page, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await page.request.post("/graphql", {
    data: { query, variables },
    headers: { "apollo-require-preflight": "true" },
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length || !body.data) throw new Error(`GraphQL failed: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** Starts a generation of `n` on the prompt card in `scope` (a card, or the page when it holds one). */
export async function generate(page: Page, scope: Locator | Page, n: number): Promise<void> {
  await scope.getByRole("button", { name: "Generate", exact: true }).click();
  await page.getByLabel("Candidates").fill(String(n));
  await page.getByRole("button", { name: `Generate ${n}` }).click();
}

/** Opens the first candidate in `scope` in the gallery, and returns the gallery. */
export async function openGallery(page: Page, scope: Locator | Page): Promise<Locator> {
  await scope
    .locator("li.tile")
    .first()
    .getByRole("button", { name: /Open candidate/ })
    .click();
  const gallery = page.getByRole("dialog", { name: /^Gallery:/ });
  await expect(gallery).toBeVisible();
  return gallery;
}
/** axe's serious and critical findings, one line each (empty when the page passes). */
export async function seriousViolations(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page }).analyze();
  return r.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(" | ")}`);
}
