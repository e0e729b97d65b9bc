import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { describe, expect, it } from "vitest";
import { AWARENESS_LIMITS, guardAwareness, newGuardState } from "./awareness-guard.ts";

const who = { userId: "user-ada", displayName: "Ada" };

/** A Hocuspocus awareness message for `doc` carrying (clientId, clock, state) entries. */
function message(doc: string, entries: [number, number, unknown][]): Uint8Array {
  const inner = encoding.createEncoder();
  encoding.writeVarUint(inner, entries.length);
  for (const [id, clock, state] of entries) {
    encoding.writeVarUint(inner, id);
    encoding.writeVarUint(inner, clock);
    encoding.writeVarString(inner, JSON.stringify(state));
  }
  const out = encoding.createEncoder();
  encoding.writeVarString(out, doc);
  encoding.writeVarUint(out, 1);
  encoding.writeVarUint8Array(out, encoding.toUint8Array(inner));
  return encoding.toUint8Array(out);
}

function states(raw: Uint8Array): [number, unknown][] {
  const d = decoding.createDecoder(raw);
  decoding.readVarString(d);
  decoding.readVarUint(d);
  const inner = decoding.createDecoder(decoding.readVarUint8Array(d));
  const n = decoding.readVarUint(inner);
  const out: [number, unknown][] = [];
  for (let i = 0; i < n; i++) {
    const id = decoding.readVarUint(inner);
    decoding.readVarUint(inner);
    out.push([id, JSON.parse(decoding.readVarString(inner))]);
  }
  return out;
}

describe("guardAwareness", () => {
  it("rewrites the name and id to the authenticated user and keeps only safe fields", () => {
    const raw = message("board", [
      [
        7,
        1,
        {
          user: { name: "Grace (admin)", id: "user-grace", color: "url(https://evil.example/x)" },
          cursor: { x: 1, y: Number.NaN },
          evil: "x",
        },
      ],
    ]);
    const out = guardAwareness(raw, who, newGuardState(0), 0)!;
    expect(states(out)).toEqual([[7, { user: { id: "user-ada", name: "Ada", color: "#868e96" } }]]);
  });

  it("keeps a hex colour, a finite cursor and a viewport", () => {
    const raw = message("board", [
      [
        7,
        1,
        { user: { color: "#1971c2" }, cursor: { x: 10, y: -5 }, viewport: { x: 1, y: 2, zoom: 0.5, w: 800, h: 600 } },
      ],
    ]);
    const [[, s]] = states(guardAwareness(raw, who, newGuardState(0), 0)!) as [[number, Record<string, unknown>]];
    expect(s).toEqual({
      user: { id: "user-ada", name: "Ada", color: "#1971c2" },
      cursor: { x: 10, y: -5 },
      viewport: { x: 1, y: 2, zoom: 0.5, w: 800, h: 600 },
    });
  });

  it("lets a connection speak only for the first client id it used on a document", () => {
    const g = newGuardState(0);
    expect(guardAwareness(message("board", [[7, 1, {}]]), who, g, 0)).not.toBeNull();
    expect(guardAwareness(message("board", [[8, 1, {}]]), who, g, 0)).toBeNull();
    expect(guardAwareness(message("other-board", [[8, 1, {}]]), who, g, 0)).not.toBeNull();
  });

  it("drops oversized messages, presence before authentication, and floods beyond the rate", () => {
    const g = newGuardState(0);
    const big = message("board", [[7, 1, { user: { name: "x".repeat(AWARENESS_LIMITS.maxBytes) } }]]);
    expect(guardAwareness(big, who, g, 0)).toBeNull();
    expect(guardAwareness(message("board", [[7, 1, {}]]), null, newGuardState(0), 0)).toBeNull();
    let passed = 0;
    for (let i = 0; i < 200; i++) if (guardAwareness(message("board", [[7, i, {}]]), who, g, 0)) passed++;
    expect(passed).toBe(AWARENESS_LIMITS.burst);
    // A second later the bucket holds `perSecond` more.
    let later = 0;
    for (let i = 0; i < 200; i++) if (guardAwareness(message("board", [[7, i, {}]]), who, g, 1000)) later++;
    expect(later).toBe(AWARENESS_LIMITS.perSecond);
  });

  it("passes every other message through untouched", () => {
    const e = encoding.createEncoder();
    encoding.writeVarString(e, "board");
    encoding.writeVarUint(e, 0);
    encoding.writeVarUint(e, 2);
    const sync = encoding.toUint8Array(e);
    expect(guardAwareness(sync, null, newGuardState(0), 0)).toBe(sync);
  });
});
