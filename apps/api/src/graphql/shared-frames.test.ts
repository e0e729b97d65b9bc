import { MessageType, stringifyMessage } from "graphql-ws";
import { describe, expect, it } from "vitest";
import { expandSharedPayload, sharedPayloadReplacer, shareSerialization } from "./shared-frames.ts";

/** What graphql-ws sends for a `next` message, through the replacer, then expanded as the socket sends it. */
function frame(id: string, payload: object): string {
  const out = expandSharedPayload(
    stringifyMessage({ id, type: MessageType.Next, payload } as never, sharedPayloadReplacer as never),
  );
  return typeof out === "string" ? out : out.toString("utf8");
}

describe("shared subscription frames", () => {
  it("send a shared result as the same bytes plain serialization gives, once serialized for every subscriber", () => {
    const data = { generationEvents: { seq: 3, kind: "PREVIEW", previews: [{ candidate: 0, image: 'data:x"y' }] } };
    shareSerialization(data);
    for (const id of ["1", "a-long-subscription-id"]) {
      const sent = frame(id, { data });
      expect(sent).toBe(JSON.stringify({ id, type: "next", payload: { data } }));
      expect(JSON.parse(sent).payload.data).toEqual(data);
    }
    // Serialized once: a later change to the object is not seen (results are immutable once shared).
    data.generationEvents.seq = 4;
    expect(JSON.parse(frame("1", { data })).payload.data.generationEvents.seq).toBe(3);
  });

  it("leave unshared results, results with errors and other messages untouched", () => {
    const shared = { x: 1 };
    shareSerialization(shared);
    const plain = { x: 2 };
    expect(frame("1", { data: plain })).toBe(JSON.stringify({ id: "1", type: "next", payload: { data: plain } }));
    const withErrors = { data: shared, errors: [{ message: "no" }] };
    expect(frame("1", withErrors)).toBe(JSON.stringify({ id: "1", type: "next", payload: withErrors }));
    const complete = stringifyMessage({ id: "1", type: MessageType.Complete }, sharedPayloadReplacer as never);
    expect(expandSharedPayload(complete)).toBe(complete);
  });

  it("never expand a placeholder that arrived as data", () => {
    const shared = { x: 1 };
    shareSerialization(shared);
    const placeholder = JSON.parse(
      stringifyMessage(
        { id: "1", type: MessageType.Next, payload: { data: shared } } as never,
        sharedPayloadReplacer as never,
      ),
    ).payload as string;
    // A user-supplied string equal to the placeholder sits inside an object payload, never at the tail.
    const sneaky = { data: { prompt: placeholder } };
    expect(frame("1", sneaky)).toBe(JSON.stringify({ id: "1", type: "next", payload: sneaky }));
  });
});
