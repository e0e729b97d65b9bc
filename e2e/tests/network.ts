import type { Page, WebSocketRoute } from "@playwright/test";

/**
 * A network switch for one page's Hocuspocus socket (`/yjs`). Chromium's `context.setOffline(true)` blocks
 * new requests but leaves an open WebSocket running, so it cannot take a live board offline by itself.
 * Instead the socket is proxied through Playwright (`page.routeWebSocket`): online, every frame passes to
 * the real server; `goOffline()` closes the page's socket and refuses every reconnect attempt (each one is
 * accepted by the route and closed at once, as a dropped connection would be) until `goOnline()`.
 * The context's offline flag is switched too, so the page sees real `offline`/`online` events.
 */
export interface YjsNetwork {
  goOffline(): Promise<void>;
  goOnline(): Promise<void>;
  /** Reconnect attempts refused while offline. */
  refused(): number;
}

export async function routeYjs(page: Page): Promise<YjsNetwork> {
  let offline = false;
  let refused = 0;
  const live = new Set<{ page: WebSocketRoute; server: WebSocketRoute }>();
  await page.routeWebSocket(
    (url) => url.pathname === "/yjs",
    (ws) => {
      if (offline) {
        refused++;
        void ws.close({ code: 4000, reason: "offline (test)" }).catch(() => {});
        return;
      }
      // No onMessage/onClose handlers: Playwright forwards frames and closes both ways by itself.
      live.add({ page: ws, server: ws.connectToServer() });
    },
  );
  return {
    async goOffline() {
      offline = true;
      await page.context().setOffline(true);
      for (const pair of live) {
        await pair.server.close({ code: 1001, reason: "offline (test)" }).catch(() => {});
        await pair.page.close({ code: 4000, reason: "offline (test)" }).catch(() => {});
      }
      live.clear();
    },
    async goOnline() {
      offline = false;
      await page.context().setOffline(false);
    },
    refused: () => refused,
  };
}
