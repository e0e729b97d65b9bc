import { describe, expect, it } from "vitest";
import { type ConnectionState, nextConnectionState, type ProviderEvent } from "./connectionState.ts";

const fold = (events: ProviderEvent[], from: ConnectionState = "connecting") =>
  events.reduce<ConnectionState>((s, e) => nextConnectionState(s, e), from);

describe("nextConnectionState", () => {
  it("is online only once the document has synced, not when the socket opens", () => {
    expect(fold(["connecting", "connected"])).toBe("connecting");
    expect(fold(["connecting", "connected", "synced"])).toBe("online");
  });

  it("stays offline through reconnect attempts until synced again", () => {
    const dropped = fold(["connecting", "connected", "synced", "disconnected"]);
    expect(dropped).toBe("offline");
    // A refused attempt opens and closes a socket: still offline, no flicker to Connecting or Online.
    expect(fold(["connecting", "connected", "disconnected", "connecting"], dropped)).toBe("offline");
    expect(fold(["connecting", "connected", "synced"], dropped)).toBe("online");
  });

  it("keeps denied whatever happens next", () => {
    expect(fold(["connecting", "connected", "synced", "disconnected"], "denied")).toBe("denied");
  });
});
