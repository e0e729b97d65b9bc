import {
  type Card,
  type CardSettings,
  defaultCardSettings,
  deletePreset,
  describeSettings,
  LIMITS,
  listPresets,
  observePresets,
  type Preset,
  savePreset,
} from "@tessera/shared";
import { Trash2 } from "lucide-react";
import { type FormEvent, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { friendlyError, gql } from "../lib/gql.ts";
import { ago, type BoardPromptGeneration, type PromptHistoryEntry, promptHistory } from "../lib/promptHistory.ts";
import { Q_BOARD_PROMPTS } from "../lib/queries.ts";
import { useBoard } from "./boardContext.ts";
import { useEscape } from "./useEscape.ts";

export interface PromptChoice {
  prompt: string;
  settings: CardSettings;
}

/** The board's presets, live (they are in the Yjs document: everyone sees a save or delete at once). */
function usePresets(): Preset[] {
  const { sync } = useBoard();
  const cache = useRef<{ version: number; list: Preset[] }>({ version: -1, list: [] });
  const version = useRef(0);
  return useSyncExternalStore(
    (notify) =>
      observePresets(sync.doc, () => {
        version.current++;
        notify();
      }),
    () => {
      if (cache.current.version !== version.current)
        cache.current = { version: version.current, list: listPresets(sync.doc) };
      return cache.current.list;
    },
    () => cache.current.list,
  );
}

/**
 * Prompts to reuse (issue 18 item 3): the board's presets and every prompt it generated, with all its
 * settings (images, guidance, temperature, seed, "without"). "Use" puts one on the selected prompt card as
 * one undoable change, or on a new card when none is selected. Editors save the selected card as a preset.
 */
export function PromptLibrary({
  target,
  onUse,
  onClose,
}: {
  /** The selected prompt card, if exactly one is selected. */
  target: Card | null;
  onUse(choice: PromptChoice): void;
  onClose(): void;
}) {
  const { info, sync, canEdit, toast } = useBoard();
  const presets = usePresets();
  const [history, setHistory] = useState<PromptHistoryEntry[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [name, setName] = useState("");
  useEscape(onClose);

  useEffect(() => {
    let live = true;
    gql<{ board: { generations: BoardPromptGeneration[] } | null }>(Q_BOARD_PROMPTS, { id: info.boardId })
      .then((r) => live && setHistory(promptHistory(r.board?.generations ?? [])))
      .catch((e) => live && setLoadError(friendlyError(e)));
    return () => {
      live = false;
    };
  }, [info.boardId]);

  const targetSettings: CardSettings | null = target
    ? (target.settings ?? defaultCardSettings(info.model.defaults))
    : null;
  const save = (e: FormEvent) => {
    e.preventDefault();
    if (!target || !targetSettings) return;
    try {
      sync.step(() =>
        savePreset(
          sync.doc,
          { name, prompt: target.text.trim(), settings: targetSettings, createdBy: info.me.id },
          sync.origin,
        ),
      );
      setName("");
    } catch (err) {
      toast(err instanceof Error && !("issues" in err) ? err.message : "Give the preset a name (up to 60 characters).");
    }
  };
  const useLabel = target ? "Use on card" : "New card";
  const useTitle = target
    ? `Put this prompt and its settings on the selected card (Ctrl+Z undoes it)`
    : "Make a new prompt card with this prompt and its settings";

  return (
    <div className="overlay" role="dialog" aria-modal="true" aria-labelledby="library-title">
      <div className="dialog library-dialog">
        <header>
          <h2 id="library-title">Prompts</h2>
          <p className="muted library-intro">
            {target
              ? `“Use” puts a prompt with all its settings on the selected card${target.text.trim() ? ` (“${target.text.trim().slice(0, 40)}”)` : ""}.`
              : "Select a prompt card to put a prompt on it, or “New card” makes one."}
          </p>
        </header>
        <section aria-labelledby="presets-title" className="library-section">
          <h3 id="presets-title">
            Presets{" "}
            <span className="muted">
              {presets.length > 0 ? `${presets.length} of ${LIMITS.presetsPerBoardMax}` : ""}
            </span>
          </h3>
          {canEdit && target && (
            <form className="preset-save" onSubmit={save} aria-label="Save the selected card as a preset">
              <input
                aria-label="Preset name"
                placeholder="Name this card's prompt and settings"
                value={name}
                maxLength={LIMITS.presetNameMaxChars}
                onChange={(e) => setName(e.target.value)}
              />
              <button type="submit" disabled={!name.trim() || !target.text.trim()}>
                Save preset
              </button>
            </form>
          )}
          {presets.length === 0 ? (
            <p className="muted empty-note">
              No presets yet.{" "}
              {canEdit ? "Select a prompt card and save its prompt and settings here for the whole team." : ""}
            </p>
          ) : (
            <ul className="library-list" aria-label="Presets">
              {presets.map((p) => (
                <li key={p.id}>
                  <div className="library-text">
                    <strong>{p.name}</strong>
                    <span className="library-prompt">{p.prompt || "(no prompt)"}</span>
                    <span className="muted">{describeSettings(p.settings)}</span>
                  </div>
                  {canEdit && (
                    <div className="library-actions">
                      <button type="button" title={useTitle} onClick={() => onUse(p)}>
                        {useLabel}
                      </button>
                      <button
                        type="button"
                        aria-label={`Delete preset ${p.name}`}
                        title="Delete preset (Ctrl+Z brings it back)"
                        onClick={() => sync.step(() => deletePreset(sync.doc, p.id, sync.origin))}
                      >
                        <Trash2 className="icon" aria-hidden="true" />
                      </button>
                    </div>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
        <section aria-labelledby="history-title" className="library-section">
          <h3 id="history-title">Generated on this board</h3>
          {loadError ? (
            <p role="alert" className="gen-error">
              {loadError}
            </p>
          ) : history === null ? (
            <p className="muted" aria-busy="true">
              Loading the board's prompts…
            </p>
          ) : history.length === 0 ? (
            <p className="muted empty-note">
              Nothing generated yet: prompts appear here once someone presses Generate.
            </p>
          ) : (
            <ul className="library-list" aria-label="Prompt history">
              {history.map((h) => (
                <li key={h.key}>
                  {h.thumbnail ? (
                    <img src={h.thumbnail} alt="" className="library-thumb" />
                  ) : (
                    <span className="library-thumb" />
                  )}
                  <div className="library-text">
                    <span className="library-prompt">{h.prompt}</span>
                    <span className="muted">{describeSettings(h.settings)}</span>
                    <span className="muted">
                      {h.lastBy ?? "Someone"} · {ago(h.lastAt)}
                      {h.uses > 1 ? ` · ${h.uses} runs` : ""}
                    </span>
                  </div>
                  {canEdit && (
                    <div className="library-actions">
                      <button type="button" title={useTitle} onClick={() => onUse(h)}>
                        {useLabel}
                      </button>
                    </div>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
        <footer className="concepts-foot">
          <button type="button" onClick={onClose}>
            Close
          </button>
        </footer>
      </div>
    </div>
  );
}
