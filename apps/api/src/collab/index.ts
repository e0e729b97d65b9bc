/**
 * Yjs boards over Hocuspocus 4: one document per board (document name = board id), identity from the
 * session cookie on the upgrade request, viewers read-only, every update logged to PostgreSQL before the
 * client gets its SyncStatus acknowledgement (Hocuspocus awaits `beforeHandleMessage` before applying a
 * message and replying), compaction debounced / on last leave / on flushAll.
 */
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type Extension, Hocuspocus } from "@hocuspocus/server";
import { checkBoardUpdate, isTesseraError, LIMITS, TesseraError } from "@tessera/shared";
import type { Logger } from "pino";
import { type WebSocket, WebSocketServer } from "ws";
import * as Y from "yjs";
import { isDatabaseUnavailable, WS_TRY_AGAIN_LATER } from "../db/unavailable.ts";
import {
  AWARENESS_LIMITS,
  type AwarenessIdentity,
  guardAwareness,
  isAwareness,
  newGuardState,
} from "./awareness-guard.ts";
import { updateFromMessage } from "./messages.ts";
import { PresencePacer, presenceIntervalMs } from "./presence-pacer.ts";
import { applyStored, type BoardStore, type CollabPrisma, prismaBoardStore } from "./store.ts";

export type { BoardStore, CollabPrisma, LoadedBoard } from "./store.ts";
export { prismaBoardStore } from "./store.ts";

export type BoardRole = "OWNER" | "EDITOR" | "VIEWER";
export interface CollabIdentity {
  userId: string;
  displayName: string;
  role: BoardRole;
}

export interface CollabOptions {
  /** The API's PrismaClient; ignored when `store` is given. */
  prisma?: CollabPrisma;
  store?: BoardStore;
  authorize(headers: IncomingHttpHeaders, boardId: string): Promise<CollabIdentity | null>;
  logger: Logger;
  debounceMs?: number;
  maxDebounceMs?: number;
  /** Scaled out: the Hocuspocus Redis extension, so edits on one node reach clients of every node. */
  extensions?: Extension[];
  /** Bytes a board's log may hold (default LIMITS.boardDocumentMaxBytes; tests use less). */
  maxDocumentBytes?: number;
  /** After a document was stored (it changed, or the server flushes): automatic board versions hook in here. */
  onStored?: (boardId: string, state: Uint8Array) => Promise<void>;
}

interface SocketContext {
  ws: WebSocket;
  headers: IncomingHttpHeaders;
  user?: CollabIdentity;
}

/**
 * Per open document. An update is "in flight" from the start of its append until Hocuspocus applied it;
 * while any is, compaction refreshes the snapshot but deletes no log rows (an in-flight row could have a
 * lower id than one already applied, and deleting it would lose it).
 */
interface DocLog {
  lastId: bigint;
  compactedThrough: bigint;
  inFlight: number;
  approxBytes: number;
}

export const CLOSE_UNAUTHENTICATED = 4401;
export const CLOSE_FORBIDDEN = 4403;
export const CLOSE_MALFORMED = 4400;
/** An update that decodes but breaks the board model (`checkBoardUpdate`): refused, nothing applied or stored. */
export const CLOSE_INVALID_UPDATE = 4422;
const BOARD_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function createCollab(options: CollabOptions) {
  const maybeStore = options.store ?? (options.prisma ? prismaBoardStore(options.prisma) : null);
  if (!maybeStore) throw new Error("createCollab needs prisma or store");
  const store: BoardStore = maybeStore;
  const log = options.logger.child({ component: "collab" });
  const logs = new Map<string, DocLog>();
  const counters = { rejected: 0, appended: 0, compactions: 0, refusedUpdates: 0, droppedAwareness: 0 };
  /** Who each socket authenticated as: presence is rewritten to that identity (awareness-guard.ts). */
  const identities = new WeakMap<WebSocket, AwarenessIdentity>();
  /** Presence sent before the socket authenticated: the latest one, handled right after it does. */
  const earlyPresence = new WeakMap<WebSocket, () => void>();

  const applyLoaded = (boardId: string, doc: Y.Doc, updates: Uint8Array[]) =>
    applyStored(doc, updates, (i, e) => log.error({ boardId, index: i, err: e }, "corrupt stored update skipped"));

  const compact = async (boardId: string, doc: Y.Doc) => {
    const entry = logs.get(boardId);
    if (!entry) return;
    const whole = entry.inFlight === 0; // every logged update is already in the document
    const through = whole ? entry.lastId : entry.compactedThrough;
    const state = Y.encodeStateAsUpdate(doc);
    const countedAtSnapshot = entry.approxBytes;
    await store.compact(boardId, state, through);
    // The table now holds `state` plus the updates logged after `through`. With nothing in flight at the
    // snapshot, those are exactly the bytes counted since; otherwise the count stays as it was (a little
    // high, so a board is refused slightly early — never let past the limit, as resetting it to the state's
    // size was: updates stored while the compaction ran were forgotten).
    if (whole) entry.approxBytes = state.byteLength + (entry.approxBytes - countedAtSnapshot);
    if (through > entry.compactedThrough) entry.compactedThrough = through;
    counters.compactions++;
    log.info({ boardId, bytes: state.byteLength, through: String(through) }, "document stored");
    // The board is safe once compacted; a failed automatic version must not fail the store.
    await options.onStored?.(boardId, state).catch((err) => log.warn({ boardId, err }, "automatic version failed"));
  };

  const hocuspocus = new Hocuspocus<SocketContext>({
    debounce: options.debounceMs ?? 2000,
    maxDebounce: options.maxDebounceMs ?? 10000,
    quiet: true,
    extensions: options.extensions ?? [],
    async onAuthenticate(data) {
      const { ws, headers } = data.context;
      try {
        if (!BOARD_ID.test(data.documentName)) throw new TesseraError("NOT_FOUND");
        const user = await options.authorize(headers, data.documentName);
        if (!user) throw new TesseraError("FORBIDDEN");
        if (user.role === "VIEWER") data.connectionConfig.readOnly = true;
        identities.set(ws, { userId: user.userId, displayName: user.displayName });
        const early = earlyPresence.get(ws);
        if (early) {
          earlyPresence.delete(ws);
          setImmediate(early); // after Hocuspocus has marked the document authenticated
        }
        return { user };
      } catch (e) {
        counters.rejected++;
        if (isDatabaseUnavailable(e)) {
          // Not "permission denied" (the page would say it has no access, and stop): closed before Hocuspocus
          // answers, with 1013, so the provider reconnects with back-off and authenticates once PostgreSQL is back.
          log.warn({ boardId: data.documentName }, "connection refused: database unavailable");
          ws.close(WS_TRY_AGAIN_LATER, "DATABASE_UNAVAILABLE");
          throw e;
        }
        const code = isTesseraError(e) && e.code === "UNAUTHENTICATED" ? CLOSE_UNAUTHENTICATED : CLOSE_FORBIDDEN;
        const reason = isTesseraError(e) ? e.code : "INTERNAL";
        log.warn({ boardId: data.documentName, reason }, "connection rejected");
        // Closing after Hocuspocus sent its permission-denied message, so the client sees both.
        setImmediate(() => ws.close(code, reason));
        throw e;
      }
    },
    async onLoadDocument({ documentName, document }) {
      const loaded = await store.load(documentName);
      applyLoaded(documentName, document, loaded.updates);
      const approxBytes = loaded.updates.reduce((n, u) => n + u.byteLength, 0);
      logs.set(documentName, {
        lastId: loaded.lastUpdateId,
        compactedThrough: loaded.compactedThrough,
        inFlight: 0,
        approxBytes,
      });
      log.info({ boardId: documentName, updates: loaded.updates.length, bytes: approxBytes }, "document loaded");
    },
    async beforeHandleMessage({ connection, update: raw, documentName, context, document }) {
      // Hocuspocus only closes the per-document connection on a thrown error; abuse closes the socket too.
      const refuse = (code: number, reason: string): never => {
        counters.refusedUpdates++;
        log.warn({ boardId: documentName, reason }, "update refused");
        context.ws.close(code, reason);
        throw Object.assign(new Error(reason), { code, reason });
      };
      if (connection.readOnly) return; // Hocuspocus drops viewer updates itself and answers SyncStatus(false)
      const update = updateFromMessage(raw);
      if (!update || (update.byteLength === 2 && update[0] === 0 && update[1] === 0)) return; // empty update
      const entry = logs.get(documentName);
      if (!entry) throw new Error(`no log for ${documentName}`);
      if (
        update.byteLength > LIMITS.yjsUpdateMaxBytes ||
        entry.approxBytes + update.byteLength > (options.maxDocumentBytes ?? LIMITS.boardDocumentMaxBytes)
      ) {
        refuse(1009, "update too large");
      }
      // Decoded and checked against the board model, never applied here: a malformed update, or one that
      // would break the board for everyone (a prompt that is not a Y.Text, 10,000 cards), closes the
      // connection and nothing is applied or logged.
      const check = checkBoardUpdate(document, update);
      if (!check.ok) {
        refuse(check.reason === "malformed update" ? CLOSE_MALFORMED : CLOSE_INVALID_UPDATE, check.reason);
      }
      entry.inFlight++;
      // Counted before the append is awaited: updates checked meanwhile see it, so two can't both fit.
      entry.approxBytes += update.byteLength;
      (connection as unknown as { tesseraInFlight?: boolean }).tesseraInFlight = true;
      let id: bigint;
      try {
        id = await store.append(documentName, update);
      } catch (e) {
        entry.inFlight--; // afterHandleMessage does not run when this hook throws
        entry.approxBytes -= update.byteLength;
        (connection as unknown as { tesseraInFlight?: boolean }).tesseraInFlight = false;
        throw e;
      }
      counters.appended++;
      if (id > entry.lastId) entry.lastId = id;
    },
    async afterHandleMessage({ connection, documentName }) {
      // Runs even when applying threw, so a refused message never pins the log.
      const c = connection as unknown as { tesseraInFlight?: boolean };
      const entry = logs.get(documentName);
      if (c.tesseraInFlight && entry) entry.inFlight--;
      c.tesseraInFlight = false;
    },
    async onStoreDocument({ documentName, document }) {
      await compact(documentName, document);
    },
    async afterUnloadDocument({ documentName }) {
      logs.delete(documentName);
    },
  });

  const wss = new WebSocketServer({
    noServer: true,
    // One frame carries one update: room for the largest accepted update plus the message envelope.
    maxPayload: Math.max(LIMITS.wsFrameMaxBytes, LIMITS.yjsUpdateMaxBytes + 64 * 1024),
  });

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
      }
      const request = new Request(`http://${req.headers.host ?? "localhost"}${req.url ?? "/yjs"}`, { headers });
      // Hocuspocus 4 is transport-agnostic: the caller feeds it messages and the close event.
      const client = hocuspocus.handleConnection(ws, request, { ws, headers: req.headers });
      const guard = newGuardState(performance.now());
      const pacer = new PresencePacer((m) => {
        if (ws.readyState === ws.OPEN) client.handleMessage(m);
      });
      ws.on("message", (data: Buffer | ArrayBuffer | Buffer[]) => {
        const bytes = Array.isArray(data)
          ? Buffer.concat(data)
          : data instanceof ArrayBuffer
            ? Buffer.from(data)
            : data;
        const raw = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const who = identities.get(ws) ?? null;
        if (!who && isAwareness(raw) && raw.byteLength <= AWARENESS_LIMITS.maxBytes) {
          const copy = raw.slice();
          earlyPresence.set(ws, () => {
            const message = guardAwareness(copy, identities.get(ws) ?? null, guard, performance.now());
            if (message) client.handleMessage(message);
          });
          return;
        }
        const message = guardAwareness(raw, who, guard, performance.now());
        if (!message) counters.droppedAwareness++;
        else if (message === raw)
          client.handleMessage(message); // not presence: passed through untouched
        else {
          // Presence: paced so a room's presence traffic grows with N, not N² (presence-pacer.ts).
          const room = hocuspocus.documents.get(guard.documentName)?.getConnectionsCount() ?? 2;
          pacer.offer(message, presenceIntervalMs(room), guard.leaving);
        }
      });
      ws.on("close", (code, reason) => {
        pacer.cancel();
        client.handleClose({ code, reason: reason.toString() });
      });
      ws.on("error", (err) => log.warn({ err }, "websocket error"));
    });
  }

  async function withDocument(boardId: string, fn: (doc: Y.Doc) => void): Promise<void> {
    const conn = await hocuspocus.openDirectConnection(boardId, {} as SocketContext);
    try {
      let update: Uint8Array | null = null;
      await conn.transact((doc) => {
        const before = Y.encodeStateVector(doc);
        fn(doc);
        update = Y.encodeStateAsUpdate(doc, before);
      });
      if (update) {
        const entry = logs.get(boardId);
        if (entry) entry.inFlight++;
        try {
          const id = await store.append(boardId, update);
          if (entry && id > entry.lastId) entry.lastId = id;
        } finally {
          if (entry) entry.inFlight--;
        }
      }
    } finally {
      // Scaled out, a synchronous store would hold the caller (a startGeneration) for the Redis
      // extension's lock and its 1 s disconnect delay; the update is already in the log, so the
      // document is stored on the debounce like any other edit.
      await conn.disconnect({ unloadImmediately: !options.extensions?.length });
    }
  }

  /**
   * The board's whole state now: the live document when this node has it open, else read from the store
   * (which holds every acknowledged update). A direct connection would run the store hooks on every read.
   */
  async function readDocument(boardId: string): Promise<Uint8Array> {
    const live = hocuspocus.documents.get(boardId);
    if (live) return Y.encodeStateAsUpdate(live);
    const loaded = await store.load(boardId);
    const doc = new Y.Doc();
    applyLoaded(boardId, doc, loaded.updates);
    const state = Y.encodeStateAsUpdate(doc);
    doc.destroy();
    return state;
  }

  async function flushAll(): Promise<void> {
    await Promise.all([...hocuspocus.documents.entries()].map(([name, doc]) => compact(name, doc)));
  }

  return {
    hocuspocus,
    handleUpgrade,
    withDocument,
    readDocument,
    flushAll,
    documentCount: () => hocuspocus.getDocumentsCount(),
    connectionCount: () => hocuspocus.getConnectionsCount(),
    stats: () => ({ ...counters }),
    async close(): Promise<void> {
      await flushAll();
      hocuspocus.closeConnections();
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      if (options.extensions?.length) await hocuspocus.hooks("onDestroy", { instance: hocuspocus });
    },
  };
}

export type Collab = ReturnType<typeof createCollab>;
export { ensureCollabTables, pgBoardStore } from "./pg-store.ts";
