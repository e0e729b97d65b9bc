/**
 * The board document log has connections of its own (`Database.documents`): with every connection of the
 * API's shared pool busy — a burst of GraphQL work; 200 watchers subscribing to a new generation did it in
 * bench:load — a keystroke is still stored and reaches the other editor at once, instead of waiting in
 * line behind that work.
 */
import { cardsMap, cardText, createCard } from "@tessera/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHARED_CONNECTIONS } from "../src/db/index.ts";
import { type BoardProvider, boardProvider, Client, startTestApi } from "./api-harness.ts";
import { waitFor } from "./collab-harness.ts";
import { scratchDatabase } from "./db-helpers.ts";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let api: Awaited<ReturnType<typeof startTestApi>>;
let owner: Client;
let boardId: string;

beforeAll(async () => {
  db = await scratchDatabase();
  api = await startTestApi({ databaseUrl: db.url }, { engine: null });
  owner = new Client(api.url);
  boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "pools") { id } }`))
    .createBoard.id;
}, 60_000);
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

const acked = (x: BoardProvider) => waitFor(() => x.p.isSynced && !x.p.hasUnsyncedChanges, 10_000, "ack");

describe("the board document log's own pool", () => {
  it("stores and relays an edit while every shared connection is busy", async () => {
    const a = boardProvider(api.url, owner.cookie, boardId);
    const b = boardProvider(api.url, owner.cookie, boardId);
    try {
      await waitFor(() => a.p.isSynced && b.p.isSynced, 10_000, "sync");
      createCard(a.doc, { id: "c1", kind: "note", x: 0, y: 0 });
      await acked(a);
      await waitFor(() => cardsMap(b.doc).has("c1"), 5000, "the card reaches B");

      const HOLD_S = 3;
      // Prisma's queries are lazy: `then` sends them.
      const held = Array.from({ length: SHARED_CONNECTIONS }, () =>
        api.services.prisma.$executeRaw`SELECT pg_sleep(${HOLD_S})`.then(() => {}),
      );
      await new Promise((r) => setTimeout(r, 300)); // the sleepers hold their connections now

      const typed = performance.now();
      cardText(a.doc, "c1").insert(0, "hello");
      await waitFor(() => cardText(b.doc, "c1").toString() === "hello", 2000, "the edit reaches B");
      await acked(a);
      const tookMs = performance.now() - typed;

      // The shared pool really was full meanwhile: a query on it waits for a sleeper to finish.
      const asked = performance.now();
      await api.services.prisma.$queryRaw`SELECT 1`;
      const sharedWaitMs = performance.now() - asked;
      await Promise.all(held);

      expect(tookMs).toBeLessThan(1000);
      expect(sharedWaitMs).toBeGreaterThan(1000);
    } finally {
      a.destroy();
      b.destroy();
    }
  }, 30_000);
});
