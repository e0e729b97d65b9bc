/**
 * Scaled-out Tessera on loopback for tests and the bench: API nodes (`src/main.ts`) and runner processes
 * (`src/scale/runner-main.ts`) as real child processes sharing the local PostgreSQL and Redis under a
 * random key prefix, so they can be killed with SIGKILL like a crashed machine.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { type AddressInfo, connect, createServer as createNetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import { Redis } from "ioredis";
import WebSocket from "ws";
import type * as Y from "yjs";
import { deletePrefix } from "../src/scale/redis.ts";

const API_DIR = fileURLToPath(new URL("..", import.meta.url));
export const REDIS_URL = process.env.TESSERA_TEST_REDIS ?? "redis://127.0.0.1:6379";

export interface Proc {
  name: string;
  child: ChildProcess;
  /** Every stdout/stderr line so far. */
  lines: string[];
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
}

function spawnTs(name: string, script: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: API_DIR,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const onData = (buf: Buffer) => {
    let rest = buf.toString();
    // Lines may arrive split across chunks; keep a partial tail.
    const last = lines.pop() ?? "";
    rest = last + rest;
    const parts = rest.split("\n");
    lines.push(...parts);
    for (const w of waiters) w();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return {
    name,
    child,
    lines,
    exited,
    waitForLine(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (const l of lines) {
            const m = pattern.exec(l);
            if (m) {
              cleanup();
              resolve(m);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${name}: no line matching ${pattern} in ${timeoutMs} ms:\n${lines.slice(-20).join("\n")}`));
        }, timeoutMs);
        const onExit = () => {
          cleanup();
          reject(new Error(`${name} exited before printing ${pattern}:\n${lines.slice(-20).join("\n")}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
          child.off("exit", onExit);
        };
        waiters.add(check);
        child.once("exit", onExit);
        check();
      });
    },
  };
}

export interface Cluster {
  prefix: string;
  env: Record<string, string>;
  startApi(name: string): Promise<Proc & { url: string }>;
  startRunner(name: string, extraEnv?: Record<string, string>): Promise<Proc>;
  kill(p: Proc, signal?: NodeJS.Signals): Promise<void>;
  /** Stops every process still running and deletes the prefix's Redis keys. */
  close(): Promise<void>;
}

export function createCluster(databaseUrl: string, extraEnv: Record<string, string> = {}): Cluster {
  const prefix = `tessera-test-${randomBytes(4).toString("hex")}`;
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    // Same secret on every node: a session cookie from one node is valid on all of them.
    TESSERA_SECRET: randomBytes(24).toString("hex"),
    TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), "tessera-scale-")),
    LOG_LEVEL: "info",
    TESSERA_THREADS: "1",
    // A killed runner's job is picked up within ~3 s instead of BullMQ's default 30 s lock.
    TESSERA_JOB_LOCK_MS: "2000",
    TESSERA_STALLED_INTERVAL_MS: "1000",
    ...extraEnv,
  };
  const procs = new Set<Proc>();
  return {
    prefix,
    env,
    async startApi(name) {
      const p = spawnTs(name, "src/main.ts", { ...env, PORT: "0" });
      procs.add(p);
      const m = await p.waitForLine(/"url":"(http:\/\/[^"]+)".*api listening|api listening.*"url":"(http:\/\/[^"]+)"/);
      return Object.assign(p, { url: (m[1] ?? m[2])! });
    },
    async startRunner(name, runnerEnv = {}) {
      const p = spawnTs(name, "src/scale/runner-main.ts", { ...env, TESSERA_RUNNER_NAME: name, ...runnerEnv });
      procs.add(p);
      await p.waitForLine(/^RUNNER READY/, 90_000);
      return p;
    },
    async kill(p, signal = "SIGKILL") {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
      await p.exited;
      procs.delete(p);
    },
    async close() {
      await Promise.all(
        [...procs].map(async (p) => {
          if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGTERM");
          const t = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
          await p.exited;
          clearTimeout(t);
        }),
      );
      const redis = new Redis(REDIS_URL);
      await deletePrefix(redis, prefix);
      redis.disconnect();
    },
  };
}

/** A `ws` class sending a cookie on the upgrade, as a browser would. */
export function cookieWebSocketClass(cookie: string) {
  return class extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers: { cookie } });
    }
  };
}

/** A real Hocuspocus provider on `/yjs` of an API node; `destroy()` also closes its socket. */
export function yjsProvider(baseUrl: string, boardId: string, cookie: string, doc: Y.Doc): HocuspocusProvider {
  const socket = new HocuspocusProviderWebsocket({
    url: `${baseUrl.replace("http", "ws")}/yjs`,
    WebSocketPolyfill: cookieWebSocketClass(cookie),
  });
  const provider = new HocuspocusProvider({ websocketProvider: socket, name: boardId, document: doc });
  const destroy = provider.destroy.bind(provider);
  provider.destroy = () => {
    destroy();
    socket.destroy();
  };
  provider.attach();
  return provider;
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = "condition") {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A TCP load balancer on loopback: each connection goes to the first backend that accepts it, so when a
 * node dies its clients' reconnects land on the next one — what a load balancer with health checks does.
 */
export async function startBalancer(backends: string[]): Promise<{ url: string; close(): Promise<void> }> {
  const targets = backends.map((b) => new URL(b));
  const sockets = new Set<Socket>();
  const server = createNetServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.pause();
    const tryTarget = (i: number) => {
      const t = targets[i];
      if (!t) return void client.destroy();
      const upstream = connect(Number(t.port), t.hostname);
      let connected = false;
      upstream.once("error", () => {
        if (!connected)
          tryTarget(i + 1); // refused: that node is down, try the next
        else client.destroy();
      });
      upstream.once("connect", () => {
        connected = true;
        sockets.add(upstream);
        upstream.on("close", () => {
          sockets.delete(upstream);
          client.destroy();
        });
        upstream.on("error", () => client.destroy());
        client.on("error", () => upstream.destroy());
        client.on("close", () => upstream.destroy());
        client.pipe(upstream).pipe(client);
        client.resume();
      });
    };
    tryTarget(0);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
