import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, type Page, test } from "@playwright/test";
import { createBoard, newUser } from "./helpers.ts";

/**
 * What a page can do with a socket: open /graphql (graphql-ws) and /yjs on the app's port and report
 * whether the server accepted (connection_ack) or refused. Runs in the browser, with its cookies.
 */
async function trySockets(page: Page, appPort: number): Promise<{ graphql: string; yjs: string }> {
  return page.evaluate(async (port) => {
    const attempt = (path: string, protocol?: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, protocol);
        const timer = setTimeout(() => resolve("timeout"), 5000);
        ws.onopen = () => {
          if (protocol) ws.send(JSON.stringify({ type: "connection_init" }));
          else {
            clearTimeout(timer);
            resolve("open");
          }
        };
        ws.onmessage = (e) => {
          clearTimeout(timer);
          resolve(String(e.data).includes("connection_ack") ? "ack" : "message");
        };
        ws.onerror = () => {
          clearTimeout(timer);
          resolve("refused");
        };
      });
    return { graphql: await attempt("/graphql", "graphql-transport-ws"), yjs: await attempt("/yjs") };
  }, appPort);
}

test.describe("cross-site WebSocket hijacking", () => {
  let attacker: Server;
  let attackerPort = 0;
  test.beforeAll(async () => {
    // Another site on the same host (another port is the same site: the SameSite=Lax cookie goes along).
    attacker = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>Free prizes</title><p>Hello</p>");
    });
    await new Promise<void>((r) => attacker.listen(0, "127.0.0.1", r));
    attackerPort = (attacker.address() as AddressInfo).port;
  });
  test.afterAll(async () => {
    await new Promise((r) => attacker.close(r));
  });

  test("a page on another port can't open the victim's sockets; the app's own page can", async ({
    browser,
    baseURL,
  }) => {
    const appPort = Number(new URL(baseURL!).port);
    const { context, page } = await newUser(browser, "Victim");
    await createBoard(page, "Secret plans");
    // The app's own origin: accepted (the control that shows the check is not simply "refuse everything").
    expect(await trySockets(page, appPort)).toEqual({ graphql: "ack", yjs: "open" });
    // The attacker's page, in the victim's browser, with the victim's cookie for 127.0.0.1.
    const evil = await context.newPage();
    await evil.goto(`http://127.0.0.1:${attackerPort}/`);
    expect(await trySockets(evil, appPort)).toEqual({ graphql: "refused", yjs: "refused" });
    await context.close();
  });
});

test("security headers: a policy, no framing by other sites, no sniffing", async ({ page }) => {
  const res = await page.request.get("/");
  const h = res.headers();
  expect(h["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(h["content-security-policy"]).toContain("object-src 'none'");
  expect(h["x-frame-options"]).toBe("DENY");
  expect(h["x-content-type-options"]).toBe("nosniff");
  // The app still works under its own policy: no violations while a board loads.
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.goto("/");
  await expect(page.getByLabel("New board")).toBeVisible();
  expect(violations).toEqual([]);
});
