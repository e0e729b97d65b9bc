import { MessageType, stringifyMessage } from "graphql-ws";
import { describe, expect, it } from "vitest";
import type { WebSocket } from "ws";
import {
  type FrameTarget,
  isSharedResult,
  nextFrame,
  SOCKET_HIGH_WATER_BYTES,
  sendNext,
  shareSerialization,
} from "./shared-frames.ts";

/** A socket double: records frames; `bufferedAmount` and write completion are under the test's control. */
function fakeSocket(bufferedAmount = 0) {
  const sent: { frame: Buffer; binary: boolean; flushed?: () => void }[] = [];
  const socket = {
    OPEN: 1,
    readyState: 1,
    bufferedAmount,
    send(frame: Buffer, opts: { binary: boolean }, cb?: () => void) {
      sent.push({ frame, binary: opts.binary, ...(cb ? { flushed: cb } : {}) });
    },
  };
  return { socket, sent, target: { socket: socket as unknown as WebSocket, id: "sub-1" } satisfies FrameTarget };
}

describe("shared subscription frames", () => {
  it("are byte for byte the next message graphql-ws would send, the payload serialized once", () => {
    const data = { generationEvents: { seq: 3, kind: "PREVIEW", previews: [{ candidate: 0, image: 'data:x"y' }] } };
    shareSerialization(data);
    for (const id of ["1", 'an "odd" id\u2028']) {
      const frame = nextFrame({ socket: {} as WebSocket, id }, { data });
      expect(frame.toString("utf8")).toBe(stringifyMessage({ id, type: MessageType.Next, payload: { data } }));
    }
    // Serialized once: a later change to the object is not seen (results are immutable once shared).
    data.generationEvents.seq = 4;
    const again = nextFrame({ socket: {} as WebSocket, id: "2" }, { data });
    expect(JSON.parse(again.toString("utf8")).payload.data.generationEvents.seq).toBe(3);
  });

  it("only results that are exactly { data } with shared data bypass graphql-ws", () => {
    const data = { x: 1 };
    shareSerialization(data);
    expect(isSharedResult({ data })).toBe(true);
    expect(isSharedResult({ data: { x: 1 } })).toBe(false);
    expect(isSharedResult({ data, errors: [{ message: "no" }] })).toBe(false);
    expect(isSharedResult({ data, extensions: {} })).toBe(false);
    expect(isSharedResult(null)).toBe(false);
  });

  it("go out as text frames; a backed-up socket makes the sender wait for its own frame; a closed one drops it", async () => {
    const data = { y: 2 };
    shareSerialization(data);
    const quiet = fakeSocket();
    expect(sendNext(quiet.target, { data })).toBeUndefined();
    expect(quiet.sent).toHaveLength(1);
    expect(quiet.sent[0]!.binary).toBe(false);
    expect(quiet.sent[0]!.flushed).toBeUndefined();

    const slow = fakeSocket(SOCKET_HIGH_WATER_BYTES);
    let resumed = false;
    const wait = sendNext(slow.target, { data })!.then(() => {
      resumed = true;
    });
    await Promise.resolve();
    expect(resumed).toBe(false);
    slow.sent[0]!.flushed!();
    await wait;
    expect(resumed).toBe(true);

    const closed = fakeSocket();
    closed.socket.readyState = 3;
    expect(sendNext(closed.target, { data })).toBeUndefined();
    expect(closed.sent).toHaveLength(0);
  });
});
