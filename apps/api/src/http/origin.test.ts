import { describe, expect, it } from "vitest";
import { allowedOrigins, originAllowed } from "./origin.ts";

const loopback = { allowed: new Set<string>(), host: "127.0.0.1", port: 3000 };

describe("originAllowed", () => {
  it("by default lets the app's own loopback origin in, under any loopback name", () => {
    expect(originAllowed("http://localhost:3000", "localhost:3000", loopback)).toBe(true);
    expect(originAllowed("http://127.0.0.1:3000", "127.0.0.1:3000", loopback)).toBe(true);
  });

  it("refuses another port of the same host, other hosts, opaque and malformed origins", () => {
    expect(originAllowed("http://localhost:4000", "localhost:3000", loopback)).toBe(false);
    expect(originAllowed("http://evil.example:3000", "localhost:3000", loopback)).toBe(false);
    expect(originAllowed("null", "localhost:3000", loopback)).toBe(false);
    expect(originAllowed("javascript:alert(1)", "localhost:3000", loopback)).toBe(false);
  });

  it("lets clients without an Origin (not a browser page) through", () => {
    expect(originAllowed(undefined, "localhost:3000", loopback)).toBe(true);
  });

  it("on a wildcard address, wants the origin to be the host the request was sent to", () => {
    const any = { allowed: new Set<string>(), host: "0.0.0.0", port: 3000 };
    expect(originAllowed("http://10.0.0.5:3000", "10.0.0.5:3000", any)).toBe(true);
    expect(originAllowed("http://10.0.0.6:3000", "10.0.0.5:3000", any)).toBe(false);
  });

  it("with PUBLIC_URL / TESSERA_ALLOWED_ORIGINS, allows exactly those", () => {
    const allowed = allowedOrigins("https://tessera.example.com/", "https://staging.example.com, not a url");
    expect([...allowed]).toEqual(["https://tessera.example.com", "https://staging.example.com"]);
    const policy = { allowed, host: "0.0.0.0", port: 3000 };
    expect(originAllowed("https://tessera.example.com", "tessera.example.com", policy)).toBe(true);
    expect(originAllowed("http://localhost:3000", "localhost:3000", policy)).toBe(false);
  });
});
