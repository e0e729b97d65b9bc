/**
 * Reliability 1: kill -9 the server while 3 clients type; restart; every acknowledged edit is present.
 * The same run against a plain debounced store (Hocuspocus's usual onStoreDocument persistence) shows
 * what its debounce window loses.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { cardText, createCard, readCard } from "@tessera/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acked, addBoard, connect, scratchDatabase, synced, waitFor } from "./collab-harness.ts";

const SERVER = fileURLToPath(new URL("./collab-server-process.ts", import.meta.url));
let db: Awaited<ReturnType<typeof scratchDatabase>>;

beforeAll(async () => {
  db = await scratchDatabase();
});
afterAll(async () => {
  await db?.drop();
});

async function spawnServer(mode: "log" | "plain"): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", SERVER], {
    env: { ...process.env, DATABASE_URL: db.url, COLLAB_MODE: mode, PORT: "0" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, url: `ws://127.0.0.1:${port}/yjs` };
}

/** 3 clients type into their own card; returns every (card, text) acknowledged before the kill. */
async function typeThenKill(mode: "log" | "plain", boardId: string): Promise<Map<string, string>> {
  await addBoard(db.pool, boardId);
  const { child, url } = await spawnServer(mode);
  const clients = ["ann", "ben", "cal"].map((u) => connect(url, boardId, u));
  await Promise.all(clients.map(synced));
  const ackedText = new Map<string, string>();
  let killed = false;
  const typists = clients.map(async (p, n) => {
    const id = createCard(p.document, { id: `card-${n}`, kind: "note", x: n * 300, y: 0 });
    try {
      await acked(p);
      ackedText.set(id, "");
      for (let i = 0; !killed; i++) {
        cardText(p.document, id).insert(i, String.fromCharCode(97 + ((i + n) % 26)));
        const text = cardText(p.document, id).toString();
        await acked(p);
        if (!killed) ackedText.set(id, text);
      }
    } catch {
      // the connection died with the server: whatever wasn't acknowledged doesn't count
    }
  });
  await waitFor(() => ackedText.size === 3 && [...ackedText.values()].every((t) => t.length >= 20), 15_000, "typing");
  child.kill("SIGKILL");
  killed = true;
  await new Promise((r) => child.once("exit", r));
  for (const p of clients) p.destroy();
  await Promise.all(typists);
  return ackedText;
}

/** Restarts the real server and counts acknowledged characters missing from the reloaded board. */
async function lostAfterRestart(boardId: string, ackedText: Map<string, string>): Promise<number> {
  const { child, url } = await spawnServer("log");
  const reader = connect(url, boardId, "reader");
  await synced(reader);
  let lost = 0;
  for (const [id, text] of ackedText) {
    const now = readCard(reader.document, id)?.text ?? "";
    let kept = 0; // acknowledged characters present, in order, at the start of the reloaded text
    while (kept < text.length && now[kept] === text[kept]) kept++;
    lost += text.length - kept;
  }
  reader.destroy();
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  return lost;
}

describe("kill -9 during typing", () => {
  it("a plain debounced store loses acknowledged edits", async () => {
    const acked = await typeThenKill("plain", "crash-plain");
    const lost = await lostAfterRestart("crash-plain", acked);
    const total = [...acked.values()].reduce((n, t) => n + t.length, 0);
    console.info(`plain debounced store: lost ${lost} of ${total} acknowledged characters`);
    expect(lost).toBeGreaterThan(0);
  });

  it("the append-before-ack log loses none", async () => {
    const acked = await typeThenKill("log", "crash-log");
    const lost = await lostAfterRestart("crash-log", acked);
    const total = [...acked.values()].reduce((n, t) => n + t.length, 0);
    console.info(`append-before-ack log: lost ${lost} of ${total} acknowledged characters`);
    expect(total).toBeGreaterThanOrEqual(60);
    expect(lost).toBe(0);
  });
});
