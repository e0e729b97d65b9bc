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

  it("carries a finished candidate's embedding exactly (float32 bits) and its tags", () => {
    const png = new Uint8Array([1, 2]);
    const embedding = Float32Array.from([0.1, -0.25, 1 / 3, Math.fround(Math.PI) / 10]);
    const e = { type: "candidateFinished" as const, candidate: 0, tokens: [5], png, embedding, tags: ["red", "top"] };
    const wire = toWire(e);
    expect(wire).toMatchObject({ tags: ["red", "top"], embeddingBase64: expect.any(String) });
    const back = fromWire(JSON.parse(JSON.stringify(wire)));
    expect(back).toEqual(e);
    expect(back.type === "candidateFinished" && back.embedding).toBeInstanceOf(Float32Array);
  });
});
