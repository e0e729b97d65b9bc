/**
 * Shared set-up for the collab integration tests: a scratch PostgreSQL database with the collab tables,
 * a real HTTP server with the Hocuspocus upgrade mounted at /yjs, a test-local `authorize` (cookie
 * `tessera_session=<userId>`, roles from a map) and real `@hocuspocus/provider` clients over `ws`.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import { TesseraError } from "@tessera/shared";
import pg from "pg";
import pino from "pino";
import WebSocket from "ws";
import * as Y from "yjs";
import {
  type BoardRole,
  type BoardStore,
  type Collab,
  createCollab,
  ensureCollabTables,
  pgBoardStore,
} from "../src/collab/index.ts";

export const PG_ADMIN = process.env.TESSERA_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";

/** A fresh database; `tables: false` leaves it empty (for a test that runs the real migrations). */
export async function scratchDatabase(
  opts: { tables?: boolean } = {},
): Promise<{ url: string; pool: pg.Pool; drop(): Promise<void> }> {
  const name = `tessera_collab_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = PG_ADMIN.replace(/\/[^/]*$/, `/${name}`);
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  // DROP DATABASE … WITH (FORCE) at teardown terminates connections a test's store may still hold; an idle
  // pooled client then emits 'error', which without a listener is an uncaught exception (seen in CI).
  pool.on("error", () => {});
  if (opts.tables !== false) await ensureCollabTables(pool);
  return {
    url,
    pool,
    async drop() {
      await pool.end();
      const a = new pg.Client({ connectionString: PG_ADMIN });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

export async function addBoard(pool: pg.Pool, boardId: string): Promise<void> {
  await pool.query(`INSERT INTO "Board" (id) VALUES ($1) ON CONFLICT DO NOTHING`, [boardId]);
}

/** Members per board; a cookie naming a user not in `knownUsers` is unauthenticated. */
export class Roles {
  readonly knownUsers = new Set<string>();
  readonly members = new Map<string, BoardRole>();
  set(boardId: string, userId: string, role: BoardRole): void {
    this.knownUsers.add(userId);
    this.members.set(`${boardId}/${userId}`, role);
  }
  authorize = async (headers: IncomingHttpHeaders, boardId: string) => {
    const userId = /(?:^|;\s*)tessera_session=([^;]+)/.exec(headers.cookie ?? "")?.[1];
    if (!userId || !this.knownUsers.has(userId)) throw new TesseraError("UNAUTHENTICATED");
    const role = this.members.get(`${boardId}/${userId}`);
    if (!role) throw new TesseraError("FORBIDDEN");
    return { userId, displayName: userId, role };
  };
}

export const quietLogger = () => pino({ level: process.env.LOG_LEVEL ?? "silent" });

export interface RunningServer {
  collab: Collab;
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startCollabServer(opts: {
  store?: BoardStore;
  /** A ready collab instance (e.g. over Prisma); otherwise one is created over `store`. */
  collab?: Collab;
  roles: Roles;
  debounceMs?: number;
  maxDebounceMs?: number;
  port?: number;
  maxDocumentBytes?: number;
}): Promise<RunningServer> {
  const collab =
    opts.collab ??
    createCollab({
      store: opts.store,
      authorize: opts.roles.authorize,
      logger: quietLogger(),
      debounceMs: opts.debounceMs,
      maxDebounceMs: opts.maxDebounceMs,
      maxDocumentBytes: opts.maxDocumentBytes,
    });
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  server.on("upgrade", (req, socket, head) => {
    if (req.url?.startsWith("/yjs")) collab.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    collab,
    port,
    url: `ws://127.0.0.1:${port}/yjs`,
    async close() {
      await collab.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A `ws` WebSocket class that sends the session cookie on the upgrade request, as a browser would. */
export function cookieWebSocket(userId: string | null) {
  return class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: userId ? { cookie: `tessera_session=${userId}` } : {} });
    }
  };
}

/** A real provider with its own socket; `destroy()` closes both. */
export function connect(url: string, boardId: string, userId: string | null, doc = new Y.Doc()): HocuspocusProvider {
  const socket = new HocuspocusProviderWebsocket({
    url,
    WebSocketPolyfill: cookieWebSocket(userId),
  });
  const provider = new HocuspocusProvider({ websocketProvider: socket, name: boardId, document: doc });
  // Destroying the provider leaves its socket (not managed when passed in): close that too.
  const destroy = provider.destroy.bind(provider);
  provider.destroy = () => {
    destroy();
    socket.destroy();
  };
  provider.attach(); // Hocuspocus 3+: a provider given its own websocketProvider must be attached explicitly
  return provider;
}

export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = "condition",
): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const synced = (p: HocuspocusProvider) => waitFor(() => p.isSynced, 10_000, "sync");
export const acked = (p: HocuspocusProvider) => waitFor(() => p.isSynced && !p.hasUnsyncedChanges, 10_000, "ack");

/** Loads a board the way the server will on its next start, straight from the database. */
export async function loadFromStore(store: BoardStore, boardId: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  for (const u of (await store.load(boardId)).updates) Y.applyUpdate(doc, u);
  return doc;
}

export { pgBoardStore };
