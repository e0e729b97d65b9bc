/**
 * Presence paced through the real collab server (issue 19, under load): in a room of 13, one person's 20
 * cursor moves in half a second reach another person as a handful of updates — each collaborator receives
 * about 60 presence updates a second in all, not 10 × (N − 1) — and the last position always arrives.
 */

import type { HocuspocusProvider } from "@hocuspocus/provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { presenceIntervalMs } from "../src/collab/presence-pacer.ts";
import {
  addBoard,
  connect,
  pgBoardStore,
  Roles,
  type RunningServer,
  scratchDatabase,
  startCollabServer,
  synced,
  waitFor,
} from "./collab-harness.ts";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let server: RunningServer;
const roles = new Roles();
const ROOM = 13;

beforeAll(async () => {
  db = await scratchDatabase();
  await addBoard(db.pool, "room");
  for (let i = 0; i < ROOM; i++) roles.set("room", `u${i}`, "EDITOR");
  server = await startCollabServer({ store: pgBoardStore(db.pool), roles });
});
afterAll(async () => {
  await server?.close();
  await db?.drop();
});

describe("presence pacing", () => {
  it("relays one sender's cursor at the room's pace, and always its last position", async () => {
    const people: HocuspocusProvider[] = [];
    for (let i = 0; i < ROOM; i++) people.push(connect(server.url, "room", `u${i}`));
    await Promise.all(people.map((p) => synced(p)));
    const [mover, watcher] = [people[0]!, people[1]!];
    mover.awareness!.setLocalStateField("user", { name: "u0", color: "#1971c2" });
    await waitFor(() => watcher.awareness!.getStates().has(mover.awareness!.clientID), 5000, "mover seen");
    await new Promise((r) => setTimeout(r, presenceIntervalMs(ROOM) + 50));

    let received = 0;
    watcher.awareness!.on("change", ({ updated }: { updated: number[] }) => {
      if (updated.includes(mover.awareness!.clientID)) received++;
    });
    for (let i = 1; i <= 20; i++) {
      mover.awareness!.setLocalStateField("cursor", { x: i * 10, y: 5 });
      await new Promise((r) => setTimeout(r, 25));
    }
    const cursor = () =>
      watcher.awareness!.getStates().get(mover.awareness!.clientID)?.cursor as { x: number } | undefined;
    await waitFor(() => cursor()?.x === 200, 3000, "the last position");
    // 20 moves over ~500 ms at one per 200 ms (13 people): at most ~4 relayed, never all 20.
    expect(presenceIntervalMs(ROOM)).toBe(200);
    expect(received).toBeGreaterThanOrEqual(2);
    expect(received).toBeLessThanOrEqual(5);
    for (const p of people) p.destroy();
  }, 30_000);
});
