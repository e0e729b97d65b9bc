import { HocuspocusProvider, WebSocketStatus } from "@hocuspocus/provider";
import { undoScope } from "@tessera/shared";
import * as Y from "yjs";
import { type ConnectionState, nextConnectionState } from "./connectionState.ts";
import { undoStep } from "./undoStep.ts";

export type { ConnectionState };

/**
 * One board's live document: the Y.Doc, its Hocuspocus provider on the same origin's /yjs, and this user's
 * undo manager. Every local edit goes through `origin` so undo only ever reverts this user's own work.
 */
export interface BoardSync {
  doc: Y.Doc;
  provider: HocuspocusProvider;
  undo: Y.UndoManager;
  origin: object;
  /** Runs a discrete edit (add, duplicate, delete, recolour) as its own undo step (see undoStep). */
  step<T>(fn: () => T): T;
  onConnection(fn: (s: ConnectionState) => void): () => void;
  destroy(): void;
}

export function yjsUrl(): string {
  const proto = window.location.protocol === "https:" ? "wss" : "ws";
  return `${proto}://${window.location.host}/yjs`;
}

export function connectBoard(boardId: string): BoardSync {
  const doc = new Y.Doc();
  const origin = { user: "local" };
  const listeners = new Set<(s: ConnectionState) => void>();
  let state: ConnectionState = "connecting";
  const set = (s: ConnectionState) => {
    state = s;
    for (const l of listeners) l(s);
  };
  const provider = new HocuspocusProvider({
    url: yjsUrl(),
    name: boardId,
    document: doc,
    onStatus: ({ status }) => set(nextConnectionState(state, status)),
    onSynced: () => set(nextConnectionState(state, "synced")),
    onAuthenticationFailed: () => set("denied"),
  });
  // The browser's network events. Chromium keeps a socket nominally open through an outage (frames just
  // stop; the provider would notice only after its 30 s message timeout), so "offline" is shown at once,
  // and on "online" a socket that lived through the outage is treated as dropped — a synthetic close event
  // takes the provider's own close path (re-sync on reconnect) — while a dropped one reconnects now
  // instead of after its back-off delay.
  let outage = false;
  const onOffline = () => {
    outage = true;
    set(nextConnectionState(state, "disconnected"));
  };
  const onOnline = () => {
    const socket = provider.configuration.websocketProvider;
    if (outage && socket.status === WebSocketStatus.Connected && socket.webSocket) {
      socket.webSocket.dispatchEvent(new CloseEvent("close", { code: 4000, reason: "network came back" }));
    } else {
      void provider.connect();
    }
    outage = false;
  };
  window.addEventListener("offline", onOffline);
  window.addEventListener("online", onOnline);
  const undo = new Y.UndoManager(undoScope(doc), { trackedOrigins: new Set([origin]), captureTimeout: 400 });
  return {
    doc,
    provider,
    undo,
    origin,
    step: (fn) => undoStep(doc, undo, origin, fn),
    onConnection(fn) {
      listeners.add(fn);
      fn(state);
      return () => listeners.delete(fn);
    },
    destroy() {
      window.removeEventListener("offline", onOffline);
      window.removeEventListener("online", onOnline);
      undo.destroy();
      provider.destroy();
      doc.destroy();
    },
  };
}
