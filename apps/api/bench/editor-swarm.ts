/**
 * The editors of `bench:load`, in their own process (as browsers are): N real Hocuspocus providers on one board,
 * each typing into its own card at a human rate, moving it now and then and moving its cursor. Every provider
 * watches the others' cards: how long each keystroke took to reach every other editor (one process, one
 * clock), and how many presence updates each editor received a second. At the end all documents are compared.
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import { cardsMap, cardText, createCard, updateCard } from "@tessera/shared";
import WebSocket from "ws";
import * as Y from "yjs";

const [url, boardId, cookiesJson, secondsArg] = process.argv.slice(2);
const cookies = JSON.parse(cookiesJson!) as string[];
const seconds = Number(secondsArg);
const TYPE_EVERY_MS = 300; // ~200 characters a minute
const MOVE_EVERY_MS = 4000;
const CURSOR_EVERY_MS = 100; // the web sends at most every 50 ms; a moving hand, about every 100
const now = () => performance.now();

export type EditorReport = {
  type: "done";
  fanoutMs: number[];
  awarenessPerClientPerSecond: number[];
  errors: string[];
  edits: number;
  converged: boolean;
  stateVectors: string[];
};

interface Editor {
  provider: HocuspocusProvider;
  socket: HocuspocusProviderWebsocket;
  doc: Y.Doc;
  cardId: string;
  awarenessReceived: number;
}

const sentAt = new Map<string, number>(); // `${cardId}:${length}` → when that keystroke was made
const fanout: number[] = [];
const errors: string[] = [];
let edits = 0;

function editor(cookie: string, i: number): Editor {
  const Socket = class extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers: { cookie } });
    }
  };
  const socket = new HocuspocusProviderWebsocket({
    url: `${url!.replace("http", "ws")}/yjs`,
    WebSocketPolyfill: Socket,
  });
  const doc = new Y.Doc();
  const provider = new HocuspocusProvider({ websocketProvider: socket, name: boardId!, document: doc });
  provider.attach();
  const e: Editor = { provider, socket, doc, cardId: `editor-${i}`, awarenessReceived: 0 };
  provider.on("close", ({ event }: { event: { code: number } }) => {
    if (event.code !== 1000) errors.push(`editor ${i}: socket closed ${event.code}`);
  });
  provider.awareness!.on("update", ({ added, updated }: { added: number[]; updated: number[] }, origin: unknown) => {
    if (origin !== "local") e.awarenessReceived += [...added, ...updated].filter((id) => id !== doc.clientID).length;
  });
  cardsMap(doc).observeDeep((events, tx) => {
    if (tx.local) return;
    const t = now();
    for (const ev of events) {
      if (!(ev.target instanceof Y.Text)) continue;
      const card = ev.path[0];
      if (typeof card !== "string" || card === e.cardId) continue;
      const at = sentAt.get(`${card}:${ev.target.length}`);
      if (at !== undefined) fanout.push(t - at);
    }
  });
  return e;
}

const editors = cookies.map(editor);
await Promise.all(
  editors.map(
    (e) =>
      new Promise<void>((resolve) => {
        if (e.provider.isSynced) return resolve();
        e.provider.on("synced", () => resolve());
      }),
  ),
);
for (const [i, e] of editors.entries()) {
  if (!cardsMap(e.doc).has(e.cardId))
    createCard(e.doc, { id: e.cardId, kind: "note", x: (i % 6) * 300, y: Math.floor(i / 6) * 220 });
}
process.send!({ type: "ready" });

const timers: NodeJS.Timeout[] = [];
const start = now();
for (const [i, e] of editors.entries()) {
  // Staggered, so 30 people don't all type in the same millisecond.
  const jitter = (i * 37) % TYPE_EVERY_MS;
  timers.push(
    setTimeout(() => {
      timers.push(
        setInterval(() => {
          if (!cardsMap(e.doc).has(e.cardId)) return;
          const t = cardText(e.doc, e.cardId);
          if (t.length >= 1900) t.delete(0, 1000); // stay within a note's limit for the whole run
          t.insert(t.length, "abcdefghij"[edits % 10]!);
          sentAt.set(`${e.cardId}:${t.length}`, now());
          edits++;
        }, TYPE_EVERY_MS),
      );
    }, jitter),
  );
  timers.push(
    setInterval(
      () => {
        if (cardsMap(e.doc).has(e.cardId))
          updateCard(e.doc, e.cardId, {
            x: (i % 6) * 300 + Math.round(Math.random() * 40),
            y: Math.floor(i / 6) * 220,
          });
      },
      MOVE_EVERY_MS + i * 13,
    ),
  );
  timers.push(
    setInterval(() => {
      const s = (now() - start) / 1000;
      e.provider.awareness!.setLocalStateField("cursor", {
        x: Math.round(500 * Math.sin(s + i)),
        y: Math.round(300 * Math.cos(s)),
      });
    }, CURSOR_EVERY_MS),
  );
}

await new Promise((r) => setTimeout(r, seconds * 1000));
for (const t of timers) clearInterval(t);
// Quiet: every edit acknowledged and every editor caught up with every other.
const deadline = now() + 30_000;
const vectors = () => editors.map((e) => Buffer.from(Y.encodeStateVector(e.doc)).toString("base64"));
while (now() < deadline) {
  const v = vectors();
  if (editors.every((e) => !e.provider.hasUnsyncedChanges) && v.every((x) => x === v[0])) break;
  await new Promise((r) => setTimeout(r, 100));
}
const stateVectors = vectors();
const elapsed = (now() - start) / 1000;
process.send!({
  type: "done",
  fanoutMs: fanout,
  awarenessPerClientPerSecond: editors.map((e) => e.awarenessReceived / Math.min(elapsed, seconds)),
  errors,
  edits,
  converged: stateVectors.every((x) => x === stateVectors[0]),
  stateVectors,
} satisfies EditorReport);
process.on("message", (m: { type: string }) => {
  if (m.type !== "exit") return;
  for (const e of editors) {
    e.provider.destroy();
    e.socket.destroy();
  }
  process.exit(0);
});
