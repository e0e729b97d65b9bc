/**
 * bench:collab — (1) round-trip time of one Yjs update through the server: client edit → server appends
 * it to PostgreSQL → applies → SyncStatus ack, p50/p99 over sequential edits; (2) heap per open board
 * document (200 cards with text), loaded from the database. Uses a scratch database on TESSERA_TEST_PG.
 * Run: npm run bench:collab (node --expose-gc for the memory figure).
 */
import { createCard } from "@tessera/shared";
import * as Y from "yjs";
import {
  acked,
  addBoard,
  connect,
  pgBoardStore,
  Roles,
  scratchDatabase,
  startCollabServer,
  synced,
} from "../test/collab-harness.ts";

const EDITS = Number(process.env.BENCH_EDITS ?? 500);
const BOARDS = Number(process.env.BENCH_BOARDS ?? 50);
const CARDS = 200;

const db = await scratchDatabase();
const store = pgBoardStore(db.pool);
const roles = new Roles();
const server = await startCollabServer({ store, roles, debounceMs: 2000, maxDebounceMs: 10_000 });
try {
  await addBoard(db.pool, "bench");
  roles.set("bench", "alice", "EDITOR");
  const p = connect(server.url, "bench", "alice");
  await synced(p);
  const id = createCard(p.document, { kind: "prompt", x: 0, y: 0 });
  await acked(p);
  const text = (p.document.getMap("cards").get(id) as Y.Map<unknown>).get("text") as Y.Text;
  const times: number[] = [];
  for (let i = 0; i < EDITS; i++) {
    const t0 = performance.now();
    const ack = new Promise<void>((resolve) => {
      const on = ({ number }: { number: number }) => {
        if (number === 0) {
          p.off("unsyncedChanges", on);
          resolve();
        }
      };
      p.on("unsyncedChanges", on);
    });
    text.insert(text.length, "x");
    await ack;
    times.push(performance.now() - t0);
  }
  p.destroy();
  times.sort((a, b) => a - b);
  const q = (f: number) => (times[Math.min(times.length - 1, Math.floor(f * times.length))] ?? 0).toFixed(2);
  console.log(
    `update round trip (edit → append to PostgreSQL → apply → ack), ${EDITS} sequential edits: p50 ${q(0.5)} ms, p99 ${q(0.99)} ms`,
  );

  // Build BOARDS stored boards, then open them all server-side and measure the heap they add.
  for (let b = 0; b < BOARDS; b++) {
    await addBoard(db.pool, `m${b}`);
    const doc = new Y.Doc();
    for (let c = 0; c < CARDS; c++)
      createCard(doc, { kind: "note", x: c, y: c, text: `card ${c} of board ${b}, some words` });
    await store.compact(`m${b}`, Y.encodeStateAsUpdate(doc), 0n);
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const open = [];
  for (let b = 0; b < BOARDS; b++) open.push(await server.collab.hocuspocus.openDirectConnection(`m${b}`));
  gc?.();
  const perDoc = (process.memoryUsage().heapUsed - before) / BOARDS;
  console.log(
    `memory per open board (${CARDS} cards): ${(perDoc / 1024).toFixed(0)} KiB heap${gc ? "" : " (no --expose-gc: rough)"}; documents open: ${server.collab.documentCount()}`,
  );
  for (const c of open) await c.disconnect();
} finally {
  await server.close();
  await db.drop();
}
