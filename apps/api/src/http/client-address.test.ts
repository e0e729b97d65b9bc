import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { clientAddress } from "./client-address.ts";

const req = (xff?: string | string[]) =>
  ({ socket: { remoteAddress: "10.0.0.9" }, headers: xff ? { "x-forwarded-for": xff } : {} }) as IncomingMessage;

describe("clientAddress", () => {
  it("ignores X-Forwarded-For when no proxy is trusted", () => {
    expect(clientAddress(req("1.2.3.4"), 0)).toBe("10.0.0.9");
  });
  it("takes the entry as many hops from the right as there are trusted proxies", () => {
    // The client claims 6.6.6.6; the one trusted proxy saw 1.2.3.4.
    expect(clientAddress(req("6.6.6.6, 1.2.3.4"), 1)).toBe("1.2.3.4");
    expect(clientAddress(req(["6.6.6.6", "1.2.3.4, 10.1.1.1"]), 2)).toBe("1.2.3.4");
  });
  it("falls back when the header is shorter than the hops or missing", () => {
    expect(clientAddress(req("1.2.3.4"), 3)).toBe("1.2.3.4");
    expect(clientAddress(req(), 1)).toBe("10.0.0.9");
  });
});
