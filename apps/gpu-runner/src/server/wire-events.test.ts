import { describe, expect, it } from "vitest";
import { fromWire, toWire } from "./wire-events.ts";

describe("wire events", () => {
  it("round-trips PNG bytes through base64 and leaves other events unchanged", () => {
    const png = new Uint8Array([137, 80, 78, 71, 0, 255]);
    const e = { type: "candidateFinished" as const, candidate: 2, tokens: [1, 2], png };
    const wire = toWire(e);
    expect(wire).toEqual({ type: "candidateFinished", candidate: 2, tokens: [1, 2], pngBase64: "iVBORwD/" });
    expect(fromWire(JSON.parse(JSON.stringify(wire)))).toEqual(e);
    const tokens = { type: "tokens" as const, candidate: 0, start: 0, tokens: [3] };
    expect(fromWire(toWire(tokens))).toEqual(tokens);
  });
});
