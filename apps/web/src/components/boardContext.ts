import { createContext, useContext } from "react";
import type { BoardSync } from "../lib/boardSync.ts";
import type { QueueStore } from "../lib/queueStore.ts";
import type { SearchBus } from "../lib/searchBus.ts";
import type { ConceptName } from "../lib/vocab.ts";

/** What every card on a board needs to know: who I am, my role, the model, and the live document. */
export interface BoardInfo {
  boardId: string;
  name: string;
  role: "OWNER" | "EDITOR" | "VIEWER";
  /** Whether viewers may comment and react (the owner's choice, in the Share menu). */
  viewersMayComment: boolean;
  me: { id: string; displayName: string };
  model: {
    name: string;
    gridRows: number;
    gridCols: number;
    imageSize: number;
    vocabulary: string[];
    concepts: (ConceptName & { group: string })[];
    conceptSpritesUrl: string | null;
    conceptSpriteSize: number;
    conceptSpriteColumns: number;
    defaults: { n: number; temperature: number; topK: number; topP: number; guidanceScale: number };
  };
  limits: { promptMaxChars: number; candidatesMax: number; generationsPerMinute: number };
}

/** A thread changed: a candidate's (candidateId) or a card's (candidateId null). */
export interface ThreadEvent {
  generationId: string;
  cardId: string;
  candidateId: string | null;
}

export interface BoardCtx {
  info: BoardInfo;
  sync: BoardSync;
  canEdit: boolean;
  vocabulary: ReadonlySet<string>;
  /**
   * What each image code looks like (the model's `tokenPatches`, decoded), fetched after the board opens;
   * null until then, or if the server can't give them — tiles then show only the decoded previews.
   */
  tokenPatches: Uint8Array | null;
  /** Tiles show only finished images (no token-by-token render, no previews): a per-browser choice. */
  finalOnly: boolean;
  /** Current zoom, read at drag time (the camera lives outside React state). */
  zoom(): number;
  /** Listeners for board-wide vote counts (boardActivity VOTES_CHANGED). */
  onVotes(fn: (candidateId: string, votes: number) => void): () => void;
  /** Listeners for comment and reaction changes on the board (boardActivity COMMENTS_/REACTIONS_CHANGED). */
  onThreads(fn: (e: ThreadEvent) => void): () => void;
  /** The board's view of the server's generation queue, live (boardQueue subscription). */
  queue: QueueStore;
  /** Shows a transient message (errors from mutations). */
  toast(message: string): void;
  /** The board's search (Ctrl/⌘+K): opened from the gallery, and revealing a found candidate on its card. */
  search: SearchBus;
}

export const BoardContext = createContext<BoardCtx | null>(null);

export function useBoard(): BoardCtx {
  const ctx = useContext(BoardContext);
  if (!ctx) throw new Error("useBoard outside a board");
  return ctx;
}
