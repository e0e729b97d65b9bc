/**
 * What the toolbar's connection indicator says, folded from the provider's events. "online" means the
 * document is synced with the server, not merely that a socket is open: after a drop the indicator stays
 * "offline" through every reconnect attempt (each one briefly opens and closes a socket) until the
 * document has synced again, so it never flickers to Online while edits are still only local.
 */
export type ConnectionState = "connecting" | "online" | "offline" | "denied";

export type ProviderEvent = "connecting" | "connected" | "disconnected" | "synced";

export function nextConnectionState(state: ConnectionState, event: ProviderEvent): ConnectionState {
  if (state === "denied") return state;
  switch (event) {
    case "synced":
      return "online";
    case "disconnected":
      return "offline";
    case "connecting":
    case "connected":
      // Before the first sync we are connecting; after a drop we stay offline until synced again.
      return state;
  }
}
