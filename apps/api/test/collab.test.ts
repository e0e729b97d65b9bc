/**
 * Hocuspocus boards through a real HTTP server and real providers: auth close codes, viewer read-only,
 * append-before-ack ordering, persistence across restarts, server-side edits, abuse limits.
 */
import { addGeneration, cardText, createCard, LIMITS, listCards, readCard } from "@tessera/shared";
import * as encoding from "lib0/encoding";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import * as Y from "yjs";
import type { BoardStore } from "../src/collab/index.ts";
import {
  acked,
  addBoard,
  connect,
  loadFromStore,
  pgBoardStore,
  Roles,
  type RunningServer,
  scratchDatabase,
  startCollabServer,
  synced,
  waitFor,
} from "./collab-harness.ts";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let store: BoardStore;
const roles = new Roles();
let server: RunningServer;

beforeAll(async () => {
  db = await scratchDatabase();
  store = pgBoardStore(db.pool);
  for (const b of ["b1", "b2", "b3", "b4", "b5", "b6"]) await addBoard(db.pool, b);
  for (const b of ["b1", "b2", "b3", "b4", "b5", "b6"]) {
    roles.set(b, "alice", "OWNER");
    roles.set(b, "bob", "EDITOR");
    roles.set(b, "vera", "VIEWER");
  }
  roles.knownUsers.add("mallory"); // authenticated, member of nothing
  server = await startCollabServer({ store, roles, debounceMs: 200, maxDebounceMs: 1000 });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

/** The close code the server sends a provider (the provider then retries; we destroy it). */
async function closeCodeFor(userId: string | null, boardId: string): Promise<number> {
  const p = connect(server.url, boardId, userId);
  try {
    return await new Promise<number>((resolve) => {
      p.on("close", ({ event }: { event: { code: number } }) => resolve(event.code));
    });
  } finally {
    p.destroy();
  }
}

/** Sends raw bytes on a provider's WebSocket, bypassing the provider's encoding. */
function rawSocket(p: ReturnType<typeof connect>): WebSocket {
  return (p.configuration.websocketProvider as unknown as { webSocket: WebSocket }).webSocket;
}

function updateMessage(boardId: string, update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, boardId);
  encoding.writeVarUint(e, 0); // Sync
  encoding.writeVarUint(e, 2); // Update
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

describe("collab server", () => {
  it("closes unauthenticated connections with 4401 and non-members with 4403", async () => {
    expect(await closeCodeFor(null, "b1")).toBe(4401);
    expect(await closeCodeFor("nobody", "b1")).toBe(4401);
    expect(await closeCodeFor("mallory", "b1")).toBe(4403);
    expect(server.collab.stats().rejected).toBeGreaterThanOrEqual(3);
  });

  it("syncs two editors and persists every update before acknowledging it", async () => {
    const a = connect(server.url, "b1", "alice");
    const b = connect(server.url, "b1", "bob");
    await Promise.all([synced(a), synced(b)]);
    const id = createCard(a.document, { kind: "prompt", x: 10, y: 20, text: "a red fox" });
    await acked(a);
    // Acknowledged ⇒ already in the database (no compaction has run yet: debounce 200 ms).
    const fromDb = await loadFromStore(store, "b1");
    expect(readCard(fromDb, id)?.text).toBe("a red fox");
    await waitFor(() => readCard(b.document, id) !== null, 5000, "b sees the card");
    cardText(b.document, id).insert(0, "big ");
    await acked(b);
    expect(readCard(await loadFromStore(store, "b1"), id)?.text).toBe("big a red fox");
    a.destroy();
    b.destroy();
  });

  it("appends the update to the log before Hocuspocus sends the SyncStatus acknowledgement", async () => {
    const events: string[] = [];
    const slowStore: BoardStore = {
      ...store,
      async append(boardId, update) {
        events.push("append-start");
        await new Promise((r) => setTimeout(r, 300));
        const id = await store.append(boardId, update);
        events.push("append-committed");
        return id;
      },
    };
    const slow = await startCollabServer({ store: slowStore, roles, debounceMs: 5000, maxDebounceMs: 10000 });
    const p = connect(slow.url, "b2", "alice");
    await synced(p);
    events.length = 0;
    p.on("unsyncedChanges", ({ number }: { number: number }) => {
      if (number === 0) events.push("ack");
    });
    createCard(p.document, { kind: "note", x: 0, y: 0, text: "ordered" });
    await acked(p);
    expect(events.filter((e) => e !== "ack").slice(0, 2)).toEqual(["append-start", "append-committed"]);
    expect(events.indexOf("append-committed")).toBeLessThan(events.indexOf("ack"));
    p.destroy();
    await slow.close();
  });

  it("drops a viewer's updates (document unchanged) while the viewer still receives edits", async () => {
    const owner = connect(server.url, "b3", "alice");
    await synced(owner);
    const id = createCard(owner.document, { kind: "note", x: 0, y: 0, text: "original" });
    await acked(owner);
    const viewer = connect(server.url, "b3", "vera");
    await synced(viewer);
    await waitFor(() => readCard(viewer.document, id) !== null, 5000, "viewer sees card");
    cardText(viewer.document, id).insert(0, "HACKED ");
    createCard(viewer.document, { kind: "note", x: 5, y: 5, text: "viewer card" });
    await new Promise((r) => setTimeout(r, 500));
    expect(listCards(owner.document).map((c) => c.text)).toEqual(["original"]);
    const serverDoc = server.collab.hocuspocus.documents.get("b3");
    expect(serverDoc && listCards(serverDoc).map((c) => c.text)).toEqual(["original"]);
    expect(listCards(await loadFromStore(store, "b3")).map((c) => c.text)).toEqual(["original"]);
    cardText(owner.document, id).insert(8, "!");
    await waitFor(() => readCard(viewer.document, id)?.text.includes("original!") ?? false, 5000, "viewer update");
    owner.destroy();
    viewer.destroy();
  });

  it("persists server-side edits (withDocument) and shows them to connected clients", async () => {
    const p = connect(server.url, "b4", "bob");
    await synced(p);
    const id = createCard(p.document, { kind: "prompt", x: 0, y: 0, text: "cat" });
    await acked(p);
    await server.collab.withDocument("b4", (doc) => addGeneration(doc, id, "gen-1"));
    expect(readCard(await loadFromStore(store, "b4"), id)?.generationIds).toEqual(["gen-1"]);
    await waitFor(() => readCard(p.document, id)?.generationIds.length === 1, 5000, "client sees generation");
    p.destroy();
  });

  it("compacts when the last client leaves and reloads the same state after a restart", async () => {
    const p = connect(server.url, "b5", "alice");
    await synced(p);
    for (let i = 0; i < 20; i++) createCard(p.document, { kind: "note", x: i, y: i, text: `n${i}` });
    await acked(p);
    const expected = Y.encodeStateVector(p.document);
    p.destroy();
    await waitFor(
      async () => {
        const r = await db.pool.query(`SELECT count(*)::int AS n FROM "BoardUpdate" WHERE "boardId" = 'b5'`);
        return r.rows[0].n === 0;
      },
      10_000,
      "log folded into the snapshot",
    );
    const restarted = await startCollabServer({ store, roles });
    const q = connect(restarted.url, "b5", "bob");
    await synced(q);
    expect(Y.encodeStateVector(q.document)).toEqual(expected);
    expect(listCards(q.document)).toHaveLength(20);
    q.destroy();
    await restarted.close();
  });

  it("closes a connection that sends malformed update bytes; the document and server stay intact", async () => {
    const good = connect(server.url, "b6", "alice");
    const bad = connect(server.url, "b6", "bob");
    await Promise.all([synced(good), synced(bad)]);
    createCard(good.document, { kind: "note", x: 0, y: 0, text: "keep me" });
    await acked(good);
    const closed = new Promise<number>((r) =>
      bad.on("close", ({ event }: { event: { code: number } }) => r(event.code)),
    );
    rawSocket(bad).send(updateMessage("b6", new Uint8Array([255, 255, 255, 255, 1, 2, 3, 250, 7])));
    expect(await closed).toBe(4400);
    bad.destroy();
    createCard(good.document, { kind: "note", x: 1, y: 1, text: "still works" });
    await acked(good);
    expect(
      listCards(await loadFromStore(store, "b6"))
        .map((c) => c.text)
        .sort(),
    ).toEqual(["keep me", "still works"]);
    good.destroy();
  });

  it("refuses a 50 MB update at the WebSocket frame limit", async () => {
    const p = connect(server.url, "b6", "bob");
    await synced(p);
    const closed = new Promise<number>((r) => p.on("close", ({ event }: { event: { code: number } }) => r(event.code)));
    rawSocket(p).send(updateMessage("b6", new Uint8Array(50 * 1024 * 1024)));
    expect(await closed).toBe(1009);
    p.destroy();
    const q = connect(server.url, "b6", "alice");
    await synced(q);
    expect(listCards(q.document)).toHaveLength(2);
    q.destroy();
  });

  it("bounds the stored document size: an update that would grow the board past the limit is refused", async () => {
    // A 3 MB bound (the real one is 16 MB): a valid board (at most 2,000 cards) reaches it in three updates.
    const small = await startCollabServer({
      store,
      roles,
      debounceMs: 200,
      maxDebounceMs: 1000,
      maxDocumentBytes: MAX,
    });
    const r = await growBoardUntilRefused(small.url, "big");
    expect(r.code).toBe(1009);
    expect(r.storedBytes).toBeLessThanOrEqual(MAX);
    expect(r.cardsAfter).toBe(1 + r.accepted * CARDS_PER_UPDATE);
    await small.close();
  });

  it("keeps the bound while compactions run: updates stored during a slow compaction still count", async () => {
    // Compactions every 50 ms, each taking 400 ms: several updates are appended while one runs (the count
    // was reset to the compacted state's size afterwards, forgetting them, and the board grew past the limit).
    const slowCompactions: BoardStore = {
      ...store,
      async compact(boardId, state, through) {
        await new Promise((r) => setTimeout(r, 400));
        return store.compact(boardId, state, through);
      },
    };
    const slow = await startCollabServer({
      store: slowCompactions,
      roles,
      debounceMs: 50,
      maxDebounceMs: 100,
      maxDocumentBytes: MAX,
    });
    const r = await growBoardUntilRefused(slow.url, "big2");
    expect(r.code).toBe(1009);
    expect(r.storedBytes).toBeLessThanOrEqual(MAX);
    expect(r.cardsAfter).toBe(1 + r.accepted * CARDS_PER_UPDATE);
    await slow.close();
  });
});

const MAX = 3 * 1024 * 1024;
const CARDS_PER_UPDATE = 600;

/**
 * Makes a board owned by alice with one card, and grows it by 600 cards of 2,000 characters (~1.2 MB) an
 * update (each waited for: acknowledged, or the socket closed) until the server closes the socket or 12
 * updates went through. Every update is a valid board edit (the server refuses anything else first).
 * Returns the close code, how many updates were accepted, the bytes stored for the board, and how many
 * cards a fresh client then sees.
 */
async function growBoardUntilRefused(url: string, boardId: string) {
  await addBoard(db.pool, boardId);
  roles.set(boardId, "alice", "OWNER");
  const p = connect(url, boardId, "alice");
  await synced(p);
  createCard(p.document, { kind: "note", x: 0, y: 0 });
  await acked(p);
  let code: number | null = null;
  p.on("close", ({ event }: { event: { code: number } }) => {
    code ??= event.code;
  });
  const text = "x".repeat(LIMITS.noteMaxChars);
  let accepted = 0;
  for (let i = 0; i < 12 && code === null; i++) {
    p.document.transact(() => {
      for (let k = 0; k < CARDS_PER_UPDATE; k++) createCard(p.document, { kind: "note", x: k, y: i, text });
    });
    await waitFor(() => code !== null || (p.isSynced && !p.hasUnsyncedChanges), 20_000, "ack or close");
    if (code === null) accepted++;
  }
  p.destroy();
  const r = await db.pool.query(
    `SELECT coalesce(sum(length(update)), 0)::bigint AS n FROM "BoardUpdate" WHERE "boardId" = $1`,
    [boardId],
  );
  const q = connect(url, boardId, "alice");
  await synced(q);
  const cardsAfter = listCards(q.document).length;
  q.destroy();
  return { code, accepted, storedBytes: Number(r.rows[0].n), cardsAfter };
}
