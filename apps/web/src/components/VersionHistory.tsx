import { LIMITS } from "@tessera/shared";
import { Check, History, Pencil, Trash2, X } from "lucide-react";
import { type FormEvent, useCallback, useEffect, useRef, useState } from "react";
import { friendlyError, gql } from "../lib/gql.ts";
import {
  type BoardVersion,
  clockTime,
  M_DELETE_VERSION,
  M_RENAME_VERSION,
  M_SAVE_VERSION,
  Q_VERSIONS,
  versionMeta,
  versionTitle,
} from "../lib/versions.ts";
import { useBoard } from "./boardContext.ts";

/**
 * The board's version history (issue 18 item 4), as a side panel beside the canvas, the way Figma and Google
 * Docs show it: "Live board" on top, then every version newest first. Choosing one shows it on the canvas,
 * read-only (the banner over the canvas restores it or goes back); editors save and name versions here.
 * The list refreshes when anyone saves, names, deletes or restores one (`refresh` ticks on VERSIONS_CHANGED).
 */
export function VersionHistory({
  role,
  viewing,
  onView,
  onClose,
  refresh,
}: {
  /** The caller's real role (the board context says VIEWER while a version is shown). */
  role: "OWNER" | "EDITOR" | "VIEWER";
  /** The version shown on the canvas; null: the live board. */
  viewing: string | null;
  onView(v: BoardVersion | null): void;
  onClose(): void;
  refresh: number;
}) {
  const { info, toast } = useBoard();
  const canEdit = role !== "VIEWER";
  const [versions, setVersions] = useState<BoardVersion[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [saving, setSaving] = useState(false);
  const [renaming, setRenaming] = useState<{ id: string; name: string } | null>(null);
  const panel = useRef<HTMLElement>(null);

  const load = useCallback(() => {
    let live = true;
    gql<{ boardVersions: BoardVersion[] }>(Q_VERSIONS, { b: info.boardId })
      .then((r) => {
        if (!live) return;
        setVersions(r.boardVersions);
        setError(null);
      })
      .catch((e) => live && setError(friendlyError(e)));
    return () => {
      live = false;
    };
  }, [info.boardId]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `refresh` is the signal to reload
  useEffect(() => load(), [load, refresh]);
  useEffect(() => panel.current?.focus(), []);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return;
    setSaving(true);
    try {
      const r = await gql<{ saveBoardVersion: BoardVersion }>(M_SAVE_VERSION, { b: info.boardId, n: name });
      setVersions((vs) => [r.saveBoardVersion, ...(vs ?? []).filter((v) => v.id !== r.saveBoardVersion.id)]);
      setName("");
    } catch (err) {
      toast(friendlyError(err));
    } finally {
      setSaving(false);
    }
  };
  const rename = async (e: FormEvent) => {
    e.preventDefault();
    if (!renaming) return;
    try {
      const r = await gql<{ renameBoardVersion: BoardVersion }>(M_RENAME_VERSION, {
        id: renaming.id,
        n: renaming.name,
      });
      setVersions((vs) => (vs ?? []).map((v) => (v.id === renaming.id ? r.renameBoardVersion : v)));
      setRenaming(null);
    } catch (err) {
      toast(friendlyError(err));
    }
  };
  const remove = async (v: BoardVersion) => {
    try {
      await gql(M_DELETE_VERSION, { id: v.id });
      setVersions((vs) => (vs ?? []).filter((x) => x.id !== v.id));
      if (viewing === v.id) onView(null);
    } catch (err) {
      toast(friendlyError(err));
    }
  };
  const mayDelete = (v: BoardVersion) =>
    role === "OWNER" || (canEdit && v.kind === "NAMED" && v.createdBy?.id === info.me.id);

  return (
    <aside
      ref={panel}
      className="versions-panel scrollable"
      aria-labelledby="versions-title"
      tabIndex={-1}
      onKeyDown={(e) => {
        // Esc here leaves the version first, then closes the panel; a rename field keeps Esc to itself.
        if (e.key !== "Escape" || (e.target as HTMLElement).tagName === "INPUT") return;
        e.stopPropagation();
        if (viewing) onView(null);
        else onClose();
      }}
    >
      <header className="versions-head">
        <History className="icon" aria-hidden="true" />
        <h2 id="versions-title">Version history</h2>
        <button type="button" className="icon-button" aria-label="Close version history" onClick={onClose}>
          <X className="icon" aria-hidden="true" />
        </button>
      </header>
      {canEdit && (
        <form className="version-save" onSubmit={save} aria-label="Save a version">
          <input
            aria-label="Version name"
            placeholder="Name this version"
            value={name}
            maxLength={LIMITS.versionNameMaxChars}
            onChange={(e) => setName(e.target.value)}
          />
          <button type="submit" className="primary" disabled={!name.trim() || saving}>
            {saving ? "Saving…" : "Save"}
          </button>
        </form>
      )}
      <ul className="versions-list" aria-label="Versions">
        <li>
          <button
            type="button"
            className="version-row"
            aria-current={viewing === null ? "true" : undefined}
            onClick={() => onView(null)}
          >
            <span className="version-dot live" aria-hidden="true" />
            <span className="version-text">
              <strong>Live board</strong>
              <span className="muted">What everyone is editing now</span>
            </span>
          </button>
        </li>
        {versions?.map((v) => (
          <li key={v.id} className={v.kind === "NAMED" ? "named" : "auto"}>
            {renaming?.id === v.id ? (
              <form className="version-rename" onSubmit={rename} aria-label="Rename version">
                <input
                  aria-label="New name"
                  value={renaming.name}
                  maxLength={LIMITS.versionNameMaxChars}
                  // biome-ignore lint/a11y/noAutofocus: the user just asked to rename this one
                  autoFocus
                  onChange={(e) => setRenaming({ id: v.id, name: e.target.value })}
                  onKeyDown={(e) => e.key === "Escape" && setRenaming(null)}
                />
                <button type="submit" className="icon-button" aria-label="Save name" disabled={!renaming.name.trim()}>
                  <Check className="icon" aria-hidden="true" />
                </button>
              </form>
            ) : (
              <button
                type="button"
                className="version-row"
                aria-current={viewing === v.id ? "true" : undefined}
                onClick={() => onView(v)}
                title={`Show this version on the canvas (read-only) · ${clockTime(v.createdAt)}`}
              >
                <span className={`version-dot ${v.kind.toLowerCase()}`} aria-hidden="true" />
                <span className="version-text">
                  <strong>{versionTitle(v)}</strong>
                  <span className="muted">
                    {clockTime(v.createdAt)} · {versionMeta(v)}
                  </span>
                </span>
              </button>
            )}
            {renaming?.id !== v.id && (canEdit || mayDelete(v)) && (
              <span className="version-actions">
                {canEdit && (
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Name ${versionTitle(v)}`}
                    title={v.kind === "NAMED" ? "Rename" : "Name it (kept until deleted)"}
                    onClick={() => setRenaming({ id: v.id, name: v.name ?? "" })}
                  >
                    <Pencil className="icon" aria-hidden="true" />
                  </button>
                )}
                {mayDelete(v) && (
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Delete ${versionTitle(v)}`}
                    title="Delete this version"
                    onClick={() => void remove(v)}
                  >
                    <Trash2 className="icon" aria-hidden="true" />
                  </button>
                )}
              </span>
            )}
          </li>
        ))}
      </ul>
      {error ? (
        <p role="alert" className="gen-error versions-note">
          {error}{" "}
          <button type="button" className="link-button" onClick={load}>
            Try again
          </button>
        </p>
      ) : versions === null ? (
        <p className="muted versions-note" aria-busy="true">
          Loading versions…
        </p>
      ) : versions.length === 0 ? (
        <p className="muted versions-note empty-note">
          No versions yet. {canEdit ? "Save one to come back to this moment. " : ""}Tessera also keeps one every hour
          while the board is edited, and one before every restore.
        </p>
      ) : (
        <p className="muted versions-note">
          Named versions stay until deleted (up to {LIMITS.namedVersionsPerBoardMax}); the newest{" "}
          {LIMITS.automaticVersionsPerBoardMax} automatic ones are kept.
        </p>
      )}
    </aside>
  );
}
