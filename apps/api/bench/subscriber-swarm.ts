/**
 * The client side of `bench:api`, in its own process (as browsers are): opens N graphql-ws connections
 * with the given cookie, subscribes all of them to one generation on request, and reports when each event
 * arrived (performance.timeOrigin + now(): one clock for both processes on this machine). The same
 * connections subscribe to each generation the parent names, one after another.
 */
import { performance } from "node:perf_hooks";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { type KeyedEvent, keysOf } from "./event-keys.ts";

type FromParent = { type: "subscribe"; generationId: string } | { type: "exit" };
/** `keys`: the runner events an event carries (as the parent's `runnerEventKey` names them). */
export type Receipt = { seq: number; kind: string; keys: string[]; at: number };
export type SwarmReport = { type: "done"; receipts: Receipt[][] };

interface ReceivedEvent extends KeyedEvent {
  seq: number;
}

const [url, cookie, countArg] = process.argv.slice(2);
const count = Number(countArg);
const now = () => performance.timeOrigin + performance.now();

class CookieWebSocket extends WebSocket {
  constructor(address: string, protocols?: string | string[]) {
    super(address, protocols, { headers: { cookie: cookie! } });
  }
}

const clients = Array.from({ length: count }, () =>
  createClient({ url: `${url!.replace("http", "ws")}/graphql`, webSocketImpl: CookieWebSocket, retryAttempts: 0 }),
);
// Open every connection first (connection_init/ack); a no-op subscription opens the lazy socket.
await Promise.all(
  clients.map(
    (c) =>
      new Promise<void>((resolve) => {
        const off = c.on("connected", () => {
          off();
          resolve();
        });
        c.subscribe(
          { query: "{ limits { promptMaxChars } }" },
          { next: () => {}, error: () => {}, complete: () => {} },
        );
      }),
  ),
);
process.send!({ type: "connected" });

process.on("message", async (m: FromParent) => {
  if (m.type !== "subscribe") return;
  const receipts = clients.map(() => [] as Receipt[]);
  const done = Promise.all(
    clients.map(
      (c, i) =>
        new Promise<void>((resolve, reject) => {
          c.subscribe<{ generationEvents: ReceivedEvent }>(
            {
              query:
                "subscription($id: ID!) { generationEvents(generationId: $id) { seq kind rows { candidate start tokens } rowsDone previews { candidate image } finished { candidate candidateId tokens image } } }",
              variables: { id: m.generationId },
            },
            {
              next: (v) => {
                const at = now();
                const e = v.data!.generationEvents;
                receipts[i]!.push({ seq: e.seq, kind: e.kind, keys: keysOf(e), at });
              },
              error: reject,
              complete: resolve,
            },
          );
        }),
    ),
  );
  // The server has registered the subscriptions once their frames are read; give it a moment.
  setTimeout(() => process.send!({ type: "subscribed" }), 1000);
  await done;
  process.send!({ type: "received" }); // before the (large) report, whose parsing would block the parent
  process.send!({ type: "done", receipts } satisfies SwarmReport);
});
process.on("message", async (m: { type: string }) => {
  if (m.type !== "exit") return;
  await Promise.all(clients.map((c) => c.dispose()));
  process.exit(0);
});
