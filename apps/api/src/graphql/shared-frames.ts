/**
 * Shared subscription results go straight to each subscriber's socket, serialized once for all of them.
 *
 * `subscribeShared` gives every subscriber of an operation the same result object. Handed back to
 * graphql-ws, each delivery would still take its own trip through graphql-ws's loop (hooks, a copy of the
 * result, JSON.stringify, a promise per send): with 200 people watching one generation that was most of
 * the event loop's work per event (bench:api profile), and the loop's queue is what watchers wait in.
 * So the transport registers, for each subscription's context, where its frames go (`FrameTarget`), and
 * `subscribeShared` writes a shared result there itself: the same `next` message graphql-ws would send
 * (`{"id":…,"type":"next","payload":{"data":…}}`, a text frame), its payload bytes built once per result.
 * Everything else (errors, unshared results, `complete`) stays with graphql-ws, on the same socket and in
 * order: a subscription's stream returns to graphql-ws only after its direct frames were queued.
 */
import { channel } from "node:diagnostics_channel";
import type { WebSocket } from "ws";

/** The socket and graphql-ws subscription id a subscription's frames go to. */
export interface FrameTarget {
  socket: WebSocket;
  id: string;
}

/**
 * Bytes queued on a socket past which a direct send waits for them to drain: a slow client then holds
 * back only its own subscription (as graphql-ws's awaited sends do), and the server's memory stays bounded.
 */
export const SOCKET_HIGH_WATER_BYTES = 1 << 20;

const targets = new WeakMap<object, FrameTarget>();
const shared = new WeakSet<object>();
const serialized = new WeakMap<object, Buffer>();
const prefixes = new WeakMap<FrameTarget, Buffer>();
const CLOSE_BRACE = Buffer.from("}");

/**
 * `{ data, bytes }` for each frame handed to a socket here, published only while someone listens
 * (`bench:api` times the server's own part of a delivery: runner event → frame written to the socket).
 */
export const FRAME_SENT_CHANNEL = "tessera:subscription-frame-sent";
const frameSent = channel(FRAME_SENT_CHANNEL);

/** Called by the transport for each subscription's context value. */
export function registerFrameTarget(contextValue: object, target: FrameTarget): void {
  targets.set(contextValue, target);
}

export function frameTargetOf(contextValue: unknown): FrameTarget | undefined {
  return typeof contextValue === "object" && contextValue !== null ? targets.get(contextValue) : undefined;
}

/** Marks `data` (a result's `data`, the same object for many subscribers) to be serialized once. */
export function shareSerialization(data: object): void {
  shared.add(data);
}

/** Whether `result` is exactly `{ data }` with shared data: what may bypass graphql-ws. */
export function isSharedResult(result: unknown): result is { data: object } {
  if (typeof result !== "object" || result === null) return false;
  const data = (result as { data?: unknown }).data;
  if (typeof data !== "object" || data === null || !shared.has(data)) return false;
  // Runs per delivery: no key array allocated to see that `data` is the only key.
  for (const key in result) if (key !== "data") return false;
  return true;
}

/** The graphql-ws `next` message for `target`, as bytes. */
export function nextFrame(target: FrameTarget, result: { data: object }): Buffer {
  let payload = serialized.get(result.data);
  if (!payload) {
    payload = Buffer.from(JSON.stringify({ data: result.data }));
    serialized.set(result.data, payload);
  }
  let prefix = prefixes.get(target);
  if (!prefix) {
    prefix = Buffer.from(`{"id":${JSON.stringify(target.id)},"type":"next","payload":`);
    prefixes.set(target, prefix);
  }
  return Buffer.concat([prefix, payload, CLOSE_BRACE], prefix.length + payload.length + 1);
}

/**
 * Queues the `next` message on the socket as a text frame. Resolves at once unless the socket is backed
 * up, then once this frame has been written. A closed socket drops it (graphql-ws is ending the stream).
 */
export function sendNext(target: FrameTarget, result: { data: object }): Promise<void> | undefined {
  const { socket } = target;
  if (socket.readyState !== socket.OPEN) return undefined;
  const frame = nextFrame(target, result);
  if (socket.bufferedAmount < SOCKET_HIGH_WATER_BYTES) {
    socket.send(frame, { binary: false });
    if (frameSent.hasSubscribers) frameSent.publish({ data: result.data, bytes: frame.length });
    return undefined;
  }
  return new Promise((resolve) =>
    socket.send(frame, { binary: false }, () => {
      if (frameSent.hasSubscribers) frameSent.publish({ data: result.data, bytes: frame.length });
      resolve();
    }),
  );
}
