import type { CardKind } from "@tessera/shared";
import {
  BookMarked,
  CircleHelp,
  Download,
  History,
  Image,
  Menu,
  Minus,
  Plus,
  Redo2,
  Search,
  Shapes,
  Undo2,
} from "lucide-react";
import { type RefObject, useState } from "react";
import type { ConnectionState } from "../lib/boardSync.ts";
import type { SharedViewport } from "../lib/camera.ts";
import { useBoard } from "./boardContext.ts";
import { Avatars, type PresenceHandle } from "./Presence.tsx";
import { QueueButton } from "./QueueButton.tsx";
import { ShareButton } from "./ShareButton.tsx";

// The toolbar is drawn in the browser only (after the board loads), so the platform is known.
const MAC = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);

const CONN_LABEL: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  online: "Online",
  offline: "Offline — edits will sync when you reconnect",
  denied: "No access to live editing",
};

interface Props {
  name: string;
  role: string;
  conn: ConnectionState;
  onAdd(kind: CardKind): void;
  onZoomIn(): void;
  onZoomOut(): void;
  onFit(): void;
  onHelp(): void;
  onKnows(): void;
  onPrompts(): void;
  onVersions(): void;
  onSearch(): void;
  /** A version is shown instead of the live board (read-only for everyone). */
  viewingVersion: boolean;
  finalOnly: boolean;
  onFinalOnly(): void;
  onUndo(): void;
  onRedo(): void;
  presence: RefObject<PresenceHandle | null>;
  following: number | null;
  onFollowing(clientId: number | null): void;
  onFollow(viewport: SharedViewport): void;
}

export function Toolbar(p: Props) {
  const { canEdit, info } = useBoard();
  // On a phone the secondary actions fold into a menu (CSS shows them inline on wider screens).
  const [more, setMore] = useState(false);
  const act = (fn: () => void) => () => {
    setMore(false);
    fn();
  };
  return (
    <header className="toolbar" role="toolbar" aria-label="Board toolbar">
      <a href="/" className="brand" aria-label="Tessera: back to my boards">
        Tessera
      </a>
      <h1 className="board-name" title={p.name}>
        {p.name}
      </h1>
      {p.viewingVersion ? (
        <span className="badge">Earlier version</span>
      ) : (
        !canEdit && <span className="badge">View only</span>
      )}
      {canEdit && (
        <button type="button" className="primary add-prompt" onClick={() => p.onAdd("prompt")}>
          + Prompt card
        </button>
      )}
      <button
        type="button"
        className="search-button"
        // The name holds the visible text ("Search", the shortcut): WCAG 2.5.3, label in name.
        aria-label={`Search ${MAC ? "⌘K" : "Ctrl K"}`}
        aria-keyshortcuts="Control+K Meta+K"
        title="Search the board's images by meaning or tag (Ctrl/⌘+K)"
        onClick={p.onSearch}
      >
        <Search className="icon" aria-hidden="true" />
        <span className="tb-label">Search</span>
        <kbd className="tb-kbd">{MAC ? "⌘K" : "Ctrl K"}</kbd>
      </button>
      <button
        type="button"
        className="more-toggle"
        aria-expanded={more}
        aria-controls="toolbar-more"
        aria-label="More actions"
        onClick={() => setMore((m) => !m)}
      >
        <Menu className="icon" aria-hidden="true" />
      </button>
      <div id="toolbar-more" className={more ? "toolbar-more open" : "toolbar-more"}>
        {canEdit && (
          <>
            <button type="button" onClick={act(() => p.onAdd("note"))}>
              + Note
            </button>
            <button type="button" aria-label="Undo" title="Undo (Ctrl+Z)" onClick={p.onUndo}>
              <Undo2 className="icon" aria-hidden="true" />
            </button>
            <button type="button" aria-label="Redo" title="Redo (Ctrl+Shift+Z)" onClick={p.onRedo}>
              <Redo2 className="icon" aria-hidden="true" />
            </button>
          </>
        )}
        <button type="button" aria-label="Zoom out" title="Zoom out (−)" onClick={p.onZoomOut}>
          <Minus className="icon" aria-hidden="true" />
        </button>
        <button type="button" aria-label="Zoom in" title="Zoom in (+)" onClick={p.onZoomIn}>
          <Plus className="icon" aria-hidden="true" />
        </button>
        <button type="button" onClick={act(p.onFit)}>
          Fit
        </button>
        {/* Labels fold to icons on mid-size screens (.tb-label); the aria-label keeps each one's name. */}
        <button
          type="button"
          aria-label="Prompts"
          onClick={act(p.onPrompts)}
          title="Prompts: presets and every prompt generated on this board (L)"
        >
          <BookMarked className="icon" aria-hidden="true" />
          <span className="tb-label">Prompts</span>
        </button>
        <button
          type="button"
          aria-label="Versions"
          onClick={act(p.onVersions)}
          title="Version history: save, browse and restore versions of this board (H)"
        >
          <History className="icon" aria-hidden="true" />
          <span className="tb-label">Versions</span>
        </button>
        {info.model.concepts.length > 0 && (
          <button
            type="button"
            aria-label="What it knows"
            onClick={act(p.onKnows)}
            title="What it knows: everything this model can draw"
          >
            <Shapes className="icon" aria-hidden="true" />
            <span className="tb-label">What it knows</span>
          </button>
        )}
        {info.role === "OWNER" && <ShareButton />}
        <a
          className="button"
          href={`/export/${encodeURIComponent(info.boardId)}.zip`}
          download
          aria-label="Export"
          title="Export: every finished image (128 px and ×4), prompts, seeds, scores and votes as a ZIP"
        >
          <Download className="icon" aria-hidden="true" />
          <span className="tb-label">Export</span>
        </a>
        <button
          type="button"
          aria-label="Final images"
          aria-pressed={p.finalOnly}
          onClick={act(p.onFinalOnly)}
          title="Final images: show each image only when it is finished (no token-by-token render)"
        >
          <Image className="icon" aria-hidden="true" />
          <span className="tb-label">Final images</span>
        </button>
        <button type="button" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" onClick={act(p.onHelp)}>
          <CircleHelp className="icon" aria-hidden="true" />
        </button>
      </div>
      <span className="spacer" />
      <QueueButton />
      <Avatars presence={p.presence} following={p.following} onFollowing={p.onFollowing} onFollow={p.onFollow} />
      <span className={`conn conn-${p.conn}`} role="status" aria-label="Connection">
        {CONN_LABEL[p.conn]}
      </span>
    </header>
  );
}
