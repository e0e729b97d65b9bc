import { HocuspocusProvider } from "@hocuspocus/provider";
import { undoScope } from "@tessera/shared";
import * as Y from "yjs";

/**
 * One board's live document: the Y.Doc, its Hocuspocus provider on the same origin's /yjs, and this user's
 * undo manager. Every local edit goes through `origin` so undo only ever reverts this user's own work.
 */
export type ConnectionState = "connecting" | "online" | "offline" | "denied";

export interface BoardSync {
  doc: Y.Doc;
  provider: HocuspocusProvider;
  undo: Y.UndoManager;
  origin: object;
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
    onStatus: ({ status }) => {
      if (state === "denied") return;
      set(status === "connected" ? "online" : status === "connecting" ? "connecting" : "offline");
    },
    onSynced: () => set("online"),
    onAuthenticationFailed: () => set("denied"),
  });
  const undo = new Y.UndoManager(undoScope(doc), { trackedOrigins: new Set([origin]), captureTimeout: 400 });
  return {
    doc,
    provider,
    undo,
    origin,
    onConnection(fn) {
      listeners.add(fn);
      fn(state);
      return () => listeners.delete(fn);
    },
    destroy() {
      undo.destroy();
      provider.destroy();
      doc.destroy();
    },
  };
}
