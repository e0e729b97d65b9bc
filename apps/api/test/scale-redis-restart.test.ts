/**
 * Redis restarted mid-generation (a private redis-server with an append-only file, so it comes back with
 * its data, as a managed Redis does): the API node and the runner reconnect by themselves, the
 * generation in flight completes (or is restarted, if the outage outlasted the job lock) with a complete
 * result, and new generations work afterwards.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "graphql-ws";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "./api-harness.ts";
import { scratchDatabase } from "./db-helpers.ts";
import { type Cluster, cookieWebSocketClass, createCluster, type Proc, waitFor } from "./scale-harness.ts";

const EVENTS = `subscription($id: ID!) { generationEvents(generationId: $id) { seq kind rows { candidate start tokens } finished { candidate } } }`;
interface Ev {
  seq: number;
  kind: string;
  rows: { candidate: number; start: number; tokens: number[] }[] | null;
  finished: { candidate: number }[] | null;
}

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let cluster: Cluster;
let api: Proc & { url: string };
let owner: Client;
let boardId: string;
let redisPort = 0;
let redisDir = "";
let redisServer: ChildProcess | null = null;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startRedis(): Promise<void> {
  redisServer = spawn(
    "redis-server",
    ["--port", String(redisPort), "--bind", "127.0.0.1", "--dir", redisDir, "--appendonly", "yes", "--save", ""],
    { stdio: "ignore" },
  );
  const probe = new Redis(redisPort, "127.0.0.1", { retryStrategy: () => 50 });
  probe.on("error", () => {});
  await waitFor(async () => (await probe.ping().catch(() => "")) === "PONG", 10_000, "redis-server up");
  probe.disconnect();
}

async function stopRedis(): Promise<void> {
  const r = redisServer;
  if (!r || r.exitCode !== null) return;
  const exited = new Promise((res) => r.once("exit", res));
  // SHUTDOWN flushes the append-only file, like a managed Redis failing over or restarting.
  const c = new Redis(redisPort, "127.0.0.1", { retryStrategy: () => null });
  c.on("error", () => {});
  await c.shutdown().catch(() => {});
  c.disconnect();
  await exited;
}

beforeAll(async () => {
  redisPort = await freePort();
  redisDir = mkdtempSync(join(tmpdir(), "tessera-redis-"));
  await startRedis();
  db = await scratchDatabase("tessera_scale_redis");
  cluster = createCluster(db.url, { REDIS_URL: `redis://127.0.0.1:${redisPort}`, TESSERA_JOB_LOCK_MS: "5000" });
  [api] = await Promise.all([cluster.startApi("api"), cluster.startRunner("runner")]);
  owner = new Client(api.url);
  await owner.ok("{ me { id } }");
  boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "r") { id } }`)).createBoard
    .id;
  await waitFor(async () => !(await owner.gql("{ model { gridRows } }")).errors, 20_000, "model announced");
}, 120_000);

afterAll(async () => {
  await cluster?.close();
  await stopRedis();
  await db?.drop();
}, 30_000);

async function start(n: number): Promise<string> {
  const r = await owner.ok<{ startGeneration: { id: string } }>(
    `mutation($b: ID!, $n: Int!) { startGeneration(boardId: $b, cardId: "c", prompt: "a red star", n: $n) { id } }`,
    { b: boardId, n },
  );
  return r.startGeneration.id;
}

function collect(id: string, onEvent?: (e: Ev) => void): Promise<Ev[]> {
  const client = createClient({
    url: `${api.url.replace("http", "ws")}/graphql`,
    webSocketImpl: cookieWebSocketClass(owner.cookie!),
    retryAttempts: 0,
  });
  const out: Ev[] = [];
  return new Promise<Ev[]>((resolve, reject) => {
    client.subscribe<{ generationEvents: Ev }>(
      { query: EVENTS, variables: { id } },
      {
        next: (v) => {
          if (v.errors) return reject(new Error(JSON.stringify(v.errors)));
          out.push(v.data!.generationEvents);
          onEvent?.(v.data!.generationEvents);
        },
        error: (e) => reject(e instanceof Error ? e : new Error(JSON.stringify(e))),
        complete: () => resolve(out),
      },
    );
  }).finally(() => client.dispose());
}

describe("Redis restart", () => {
  it("a generation in flight completes; the nodes reconnect by themselves", async () => {
    const n = 16;
    const id = await start(n);
    let tokens = 0;
    const events = collect(id, (e) => {
      if (e.kind === "TOKENS") tokens++;
    });
    // The subscriber is live and the runner mid-generation when Redis goes away.
    await waitFor(() => tokens > 0, 20_000, "first tokens at the subscriber");
    await stopRedis();
    await new Promise((r) => setTimeout(r, 1500));
    await startRedis();
    const got = await events;
    expect(got.map((e) => e.seq)).toEqual(got.map((_, i) => i));
    expect(got.at(-1)!.kind).toBe("FINISHED");
    // If the outage outlasted the job lock, the job was restarted: the run after the last RESTARTED counts.
    const last = got.map((e) => e.kind).lastIndexOf("RESTARTED");
    const run = got.slice(last + 1);
    expect(run.flatMap((e) => e.finished ?? []).map((f) => f.candidate)).toEqual([...Array(n).keys()]);
    const status = await owner.ok<{ generation: { status: string; candidates: { id: string }[] } }>(
      `query($id: ID!) { generation(id: $id) { status candidates { id } } }`,
      { id },
    );
    expect(status.generation.status).toBe("FINISHED");
    expect(status.generation.candidates.length).toBe(n);
    // And the cluster keeps working: a new generation end to end.
    const next = await collect(await start(2));
    expect(next.at(-1)!.kind).toBe("FINISHED");
  }, 90_000);
});
