/**
 * Reliability 13: 5 real providers edit one board concurrently through the server with random delays and
 * disconnects (offline edits included); all converge to one state, equal to what a restarted server loads.
 * Seeded (COLLAB_SEED) so a failure reproduces.
 */
import type { HocuspocusProvider } from "@hocuspocus/provider";
import { cardText, createCard, deleteCard, listCards, updateCard } from "@tessera/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  addBoard,
  connect,
  loadFromStore,
  pgBoardStore,
  Roles,
  scratchDatabase,
  startCollabServer,
  synced,
  waitFor,
} from "./collab-harness.ts";

const SEED = Number(process.env.COLLAB_SEED ?? 1337);

/** mulberry32: small, fast, good enough to drive a fuzzer reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let db: Awaited<ReturnType<typeof scratchDatabase>>;
beforeAll(async () => {
  db = await scratchDatabase();
  await addBoard(db.pool, "conv");
});
afterAll(async () => {
  await db?.drop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const canonical = (doc: Y.Doc) =>
  JSON.stringify(
    listCards(doc)
      .map((c) => ({ ...c }))
      .sort((a, b) => a.id.localeCompare(b.id)),
  );

function randomEdit(doc: Y.Doc, rnd: () => number, tag: string): void {
  const cards = listCards(doc);
  const pick = () => cards[Math.floor(rnd() * cards.length)];
  const r = rnd();
  if (cards.length < 3 || r < 0.2) {
    createCard(doc, {
      kind: rnd() < 0.5 ? "note" : "prompt",
      x: Math.floor(rnd() * 2000),
      y: Math.floor(rnd() * 2000),
      text: tag,
    });
  } else if (r < 0.55) {
    const c = pick();
    if (!c) return;
    const t = cardText(doc, c.id);
    if (t.length < 200) t.insert(Math.floor(rnd() * (t.length + 1)), tag);
  } else if (r < 0.7) {
    const c = pick();
    const t = c && cardText(doc, c.id);
    if (t && t.length > 0) t.delete(Math.floor(rnd() * t.length), 1);
  } else if (r < 0.92) {
    const c = pick();
    if (c) updateCard(doc, c.id, { x: Math.floor(rnd() * 2000), y: Math.floor(rnd() * 2000) });
  } else {
    const c = pick();
    if (c) deleteCard(doc, c.id);
  }
}

describe(`CRDT convergence (seed ${SEED})`, () => {
  it("5 clients with random delays and disconnects converge, and a restart reloads the same state", async () => {
    const store = pgBoardStore(db.pool);
    const roles = new Roles();
    const users = ["u0", "u1", "u2", "u3", "u4"];
    for (const u of users) roles.set("conv", u, "EDITOR");
    const server = await startCollabServer({ store, roles, debounceMs: 300, maxDebounceMs: 1500 });
    const clients: HocuspocusProvider[] = users.map((u) => connect(server.url, "conv", u));
    await Promise.all(clients.map(synced));

    let disconnects = 0;
    const rnd = prng(SEED);
    const seeds = users.map(() => Math.floor(rnd() * 2 ** 31));
    await Promise.all(
      clients.map(async (p, n) => {
        const r = prng(seeds[n] ?? n);
        const socket = p.configuration.websocketProvider;
        for (let i = 0; i < 60; i++) {
          randomEdit(p.document, r, `${n}.${i};`);
          await sleep(Math.floor(r() * 25));
          if (r() < 0.05) {
            disconnects++;
            socket.disconnect(); // keep editing offline for a moment, then come back
            for (let k = 0; k < 3; k++) randomEdit(p.document, r, `${n}.${i}.off${k};`);
            await sleep(50 + Math.floor(r() * 150));
            // connect() is a no-op while the old socket still reports "connected": wait for the close first.
            await waitFor(() => socket.status === "disconnected", 5000, "socket closed");
            void socket.connect();
          }
        }
      }),
    );

    await waitFor(
      () =>
        clients.every((p) => p.isSynced && !p.hasUnsyncedChanges) &&
        new Set(clients.map((p) => canonical(p.document))).size === 1,
      20_000,
      "convergence",
    ).catch((e) => {
      const state = clients.map((p) => ({
        synced: p.isSynced,
        unsynced: p.unsyncedChanges,
        status: p.configuration.websocketProvider.status,
        cards: listCards(p.document).length,
      }));
      throw new Error(`${(e as Error).message}: ${JSON.stringify(state)}`);
    });
    const expected = canonical(clients[0]?.document ?? new Y.Doc());
    expect(listCards(clients[0]?.document ?? new Y.Doc()).length).toBeGreaterThan(0);
    expect(disconnects).toBeGreaterThan(0);
    // Same card set and content; the raw Yjs state (incl. deleted items) must match too.
    const vectors = clients.map((p) => Buffer.from(Y.encodeStateVector(p.document)).toString("hex"));
    expect(new Set(vectors).size).toBe(1);

    for (const p of clients) p.destroy();
    await server.close(); // flushAll compacts the open document
    expect(canonical(await loadFromStore(store, "conv"))).toBe(expected);

    const restarted = await startCollabServer({ store, roles });
    const reader = connect(restarted.url, "conv", "u0");
    await synced(reader);
    expect(canonical(reader.document)).toBe(expected);
    reader.destroy();
    await restarted.close();
  });
});
