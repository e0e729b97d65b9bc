/**
 * The client side of `bench:api`, in its own process (as browsers are): opens N graphql-ws connections
 * with the given cookie, subscribes all of them to one generation on request, and reports when each event
 * arrived (performance.timeOrigin + now(): one clock for both processes on this machine). The same
 * connections subscribe to each generation the parent names, one after another. Optionally (a 4th argument) a
 * few more connections stay open and idle until the parent says `late`: they then subscribe to a generation
 * already under way, as someone opening the board mid-generation does, and report how long until the log's
 * replay reached them (subscribe sent → first event).
 */
import { performance } from "node:perf_hooks";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { type KeyedEvent, keysOf } from "./event-keys.ts";

type FromParent =
  | { type: "subscribe"; generationId: string }
  | { type: "late"; generationId: string }
  | { type: "exit" };
/** `keys`: the runner events an event carries (as the parent's `runnerEventKey` names them). */
export type Receipt = { seq: number; kind: string; keys: string[]; at: number };
export type SwarmReport = { type: "done"; receipts: Receipt[][] };
/** Each late joiner's wait, subscribe sent → first event (ms). */
export type LateReport = { type: "lateDone"; firstEventMs: number[] };

interface ReceivedEvent extends KeyedEvent {
  seq: number;
}

const [url, cookie, countArg, lateArg] = process.argv.slice(2);
const count = Number(countArg);
const lateCount = Number(lateArg ?? 0);
const now = () => performance.timeOrigin + performance.now();

class CookieWebSocket extends WebSocket {
  constructor(address: string, protocols?: string | string[]) {
    super(address, protocols, { headers: { cookie: cookie! } });
  }
}

const connect = () =>
  createClient({ url: `${url!.replace("http", "ws")}/graphql`, webSocketImpl: CookieWebSocket, retryAttempts: 0 });
const clients = Array.from({ length: count }, connect);
const lateClients = Array.from({ length: lateCount }, connect);
// Open every connection first (connection_init/ack); a no-op subscription opens the lazy socket.
await Promise.all(
  [...clients, ...lateClients].map(
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
process.on("message", async (m: FromParent) => {
  if (m.type !== "late") return;
  const firstEventMs = await Promise.all(
    lateClients.map(
      (c) =>
        new Promise<number>((resolve, reject) => {
          const sent = now();
          let first = -1;
          c.subscribe<{ generationEvents: { seq: number } }>(
            {
              query: "subscription($id: ID!) { generationEvents(generationId: $id) { seq } }",
              variables: { id: m.generationId },
            },
            {
              next: () => {
                if (first < 0) first = now() - sent;
              },
              error: reject,
              complete: () => resolve(first),
            },
          );
        }),
    ),
  );
  process.send!({ type: "lateDone", firstEventMs } satisfies LateReport);
});
process.on("message", async (m: { type: string }) => {
  if (m.type !== "exit") return;
  await Promise.all([...clients, ...lateClients].map((c) => c.dispose()));
  process.exit(0);
});
