/**
 * The database goes away in the middle of a generation (issue 19, item 3): every subscriber still gets a
 * terminal event, and the stored generation ends FAILED — not RUNNING forever — within seconds of PostgreSQL
 * coming back. PostgreSQL is real; the outage is a TCP proxy in front of it that drops every connection.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Client, startTestApi } from "./api-harness.ts";
import { waitFor } from "./collab-harness.ts";
import { scratchDatabase } from "./db-helpers.ts";

/** A TCP proxy that can be cut (every connection dropped, new ones refused) and restored. */
class CuttableProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  up = true;
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      if (!this.up) return void client.destroy();
      const upstream = tcpConnect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("error", () => {});
        s.on("close", () => this.sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as { port: number }).port;
  }
  cut(): void {
    this.up = false;
    for (const s of this.sockets) s.destroy();
  }
  restore(): void {
    this.up = true;
  }
  async close(): Promise<void> {
    this.cut();
    await new Promise((r) => this.server?.close(r));
  }
}

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let proxy: CuttableProxy;
let api: Awaited<ReturnType<typeof startTestApi>>;

beforeAll(async () => {
  db = await scratchDatabase("tessera_outage");
  const u = new URL(db.url);
  proxy = new CuttableProxy({ host: u.hostname, port: Number(u.port || 5432) });
  await proxy.start();
  u.port = String(proxy.port);
  api = await startTestApi({ databaseUrl: u.toString() });
}, 60_000);

afterAll(async () => {
  await api?.close();
  await proxy?.close();
  await db?.drop();
});

it("a 15 s database outage mid-generation: subscribers get FAILED at once, the row ends FAILED after recovery", async () => {
  const c = new Client(api.url);
  const boardId = (await c.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "outage") { id } }`))
    .createBoard.id;
  const { startGeneration } = await c.ok<{ startGeneration: { id: string } }>(
    `mutation($b: ID!) { startGeneration(boardId: $b, cardId: "card", prompt: "a red apple", n: 4, params: { seed: 3 }) { id } }`,
    { b: boardId },
  );
  let cutAt = 0;
  const kinds: string[] = [];
  const events = c.collect<{ generationEvents: { kind: string; message: string | null } }>(
    `subscription($g: ID!) { generationEvents(generationId: $g) { kind message } }`,
    { g: startGeneration.id },
    (e) => {
      kinds.push(e.generationEvents.kind);
      if (!cutAt && e.generationEvents.kind === "TOKENS") {
        cutAt = Date.now();
        proxy.cut();
      }
    },
  );
  const all = await events;
  const last = all.at(-1)!.generationEvents;
  expect(cutAt).toBeGreaterThan(0);
  expect(last.kind).toBe("FAILED");
  expect(last.message).toMatch(/database was unavailable/);
  expect(last.message).not.toMatch(/prisma|P10\d\d|ECONN/i);
  const toldAfterMs = Date.now() - cutAt;
  expect(toldAfterMs).toBeLessThan(10_000);

  await new Promise((r) => setTimeout(r, Math.max(0, 15_000 - (Date.now() - cutAt))));
  const backAt = Date.now();
  proxy.restore();
  const direct = new pg.Client({ connectionString: db.url });
  await direct.connect();
  try {
    const status = async () =>
      (await direct.query(`SELECT status, error FROM "Generation" WHERE id = $1`, [startGeneration.id])).rows[0] as {
        status: string;
        error: string | null;
      };
    await waitFor(async () => (await status()).status === "FAILED", 10_000, "FAILED stored after recovery");
    expect(Date.now() - backAt).toBeLessThan(10_000);
    expect((await status()).error).toMatch(/database was unavailable/);
  } finally {
    await direct.end();
  }
  expect(kinds[0]).toBe("STARTED");
}, 90_000);
