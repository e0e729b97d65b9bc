/**
 * One JSON serialization per shared subscription result, not one per subscriber.
 *
 * `subscribeShared` hands the same result to every subscriber of an operation, but graphql-ws still
 * stringifies each `next` message on its own, and `ws` measures and copies each string again: with 200
 * watchers of a generation whose previews carry four PNGs, that was a third of the event loop's work
 * (bench:api profile). graphql-ws offers no hook to send pre-built bytes, so the two ends meet here:
 * its `jsonMessageReplacer` writes a placeholder in place of a shared payload, and the server's WebSocket
 * class swaps the placeholder for that payload's bytes, serialized once, as it sends the frame.
 *
 * Only payloads registered by `shareSerialization` (results of `subscribeShared`) are replaced, and only
 * when they are exactly `{ data }`; a `next` payload is always an object, so the placeholder string can
 * only have come from the replacer. Anything else passes through untouched.
 */
import { WebSocket } from "ws";

const PLACEHOLDER = "@tessera/shared-payload/";
const TAIL = /"payload":"@tessera\/shared-payload\/(\d+)"}$/;

const tokens = new WeakMap<object, number>();
const serialized = new WeakMap<object, Buffer>();
const byToken = new Map<number, WeakRef<object>>();
const forget = new FinalizationRegistry<number>((token) => byToken.delete(token));
let nextToken = 1;

/** Marks `data` (a result's `data`, shared by many subscribers) to be serialized once. */
export function shareSerialization(data: object): void {
  if (tokens.has(data)) return;
  const token = nextToken++;
  tokens.set(data, token);
  byToken.set(token, new WeakRef(data));
  forget.register(data, token);
}

/** graphql-ws `jsonMessageReplacer`: a shared `{ data }` payload becomes its placeholder. */
export function sharedPayloadReplacer(this: unknown, key: string, value: unknown): unknown {
  if (key !== "payload" || typeof value !== "object" || value === null) return value;
  const data = (value as { data?: unknown }).data;
  if (typeof data !== "object" || data === null || Object.keys(value).length !== 1) return value;
  const token = tokens.get(data);
  return token === undefined ? value : `${PLACEHOLDER}${token}`;
}

/** The frame to send for a graphql-ws message: the placeholder replaced by the payload's bytes. */
export function expandSharedPayload(message: string): string | Buffer {
  const match = TAIL.exec(message);
  if (!match) return message;
  const data = byToken.get(Number(match[1]))?.deref();
  // Unreachable while a subscriber is being sent a result (it holds the data); never send a placeholder.
  if (!data) throw new Error("shared subscription payload was released before it was sent");
  let bytes = serialized.get(data);
  if (!bytes) {
    bytes = Buffer.from(JSON.stringify({ data }));
    serialized.set(data, bytes);
  }
  const head = message.slice(0, match.index + '"payload":'.length);
  return Buffer.concat([Buffer.from(head), bytes, CLOSE_BRACE]);
}

const CLOSE_BRACE = Buffer.from("}");

/** The server side of every graphql-ws socket: text frames, shared payloads expanded. */
export class SharedFrameWebSocket extends WebSocket {
  override send(data: unknown, options?: unknown, cb?: unknown): void {
    const frame = typeof data === "string" ? expandSharedPayload(data) : data;
    if (frame === data || typeof frame === "string") {
      super.send(frame as never, options as never, cb as never);
    } else if (typeof options === "function") {
      // A Buffer would go out as a binary frame; graphql-ws messages are text.
      super.send(frame as Buffer, { binary: false }, options as never);
    } else {
      super.send(frame as Buffer, { ...(options as object), binary: false }, cb as never);
    }
  }
}
