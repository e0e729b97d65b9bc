import {
  addGeneration,
  type Card,
  defaultCardSettings,
  describeSettings,
  parsePromptMatrix,
  setCardSettings,
} from "@tessera/shared";
import { History } from "lucide-react";
import { useEffect, useState, useSyncExternalStore } from "react";
import { GENERATION_ORIGIN, progress } from "../lib/generationState.ts";
import { friendlyError, gql } from "../lib/gql.ts";
import { type HistoryEntry, historyLabels, historyThumbnail } from "../lib/historyLabels.ts";
import { M_CANCEL, M_START, M_START_MATRIX, Q_CARD_HISTORY } from "../lib/queries.ts";
import { ordinal, startsIn } from "../lib/queueStore.ts";
import { useBoard } from "./boardContext.ts";
import { CandidateGrid } from "./CandidateGrid.tsx";
import { type GenerateParams, GeneratePopover } from "./GeneratePopover.tsx";
import { MatrixGrid } from "./MatrixGrid.tsx";
import { useEscape } from "./useEscape.ts";
import { useGeneration } from "./useGeneration.ts";

/** A prompt card's generate button, its latest (or chosen) generation's tiles, and its history. */
export function GenerationPanel({ card }: { card: Card }) {
  const { info, sync, canEdit, toast, queue, search } = useBoard();
  const [open, setOpen] = useState(false);
  const [chosen, setChosen] = useState<string | null>(null);
  const latest = card.generationIds.at(-1) ?? null;
  const shownId = chosen && card.generationIds.includes(chosen) ? chosen : latest;
  const { gen, error } = useGeneration(shownId);
  // While a start request is in flight the button stays busy: a second click can't start a second run.
  const [starting, setStarting] = useState(false);
  // What each earlier generation was, for the history picker (fetched when the card has a history).
  const [history, setHistory] = useState<HistoryEntry[]>([]);
  const historyKey = card.generationIds.length > 1 ? `${card.generationIds.join(",")}|${gen?.status ?? ""}` : "";
  // biome-ignore lint/correctness/useExhaustiveDependencies: refetched when the card's generations or the shown one's status change
  useEffect(() => {
    if (!historyKey) return;
    let live = true;
    gql<{ generations: HistoryEntry[] }>(Q_CARD_HISTORY, { boardId: info.boardId, cardId: card.id })
      .then((r) => live && setHistory(r.generations))
      .catch(() => {}); // the picker falls back to plain numbers
    return () => {
      live = false;
    };
  }, [historyKey]);
  const labels = historyLabels(card.generationIds, history);
  const [historyOpen, setHistoryOpen] = useState(false);
  useEscape(() => setHistoryOpen(false), historyOpen);
  const [now, setNow] = useState(() => Date.now());
  const running = gen?.status === "RUNNING" || gen?.status === "QUEUED";
  // Its place in the server's queue while it waits (the store re-renders only the cards it concerns).
  const waiting = useSyncExternalStore(
    queue.subscribe,
    () => (gen ? queue.get().entries.find((e) => e.generationId === gen.id) : undefined),
    () => undefined,
  );
  const canCancel = canEdit && !!gen && (info.role === "OWNER" || gen.createdById === info.me.id);

  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [running]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new generation on the card brings the view back to the latest
  useEffect(() => setChosen(null), [latest]);
  // A search result on this card: show its generation (its tile then opens it in the gallery).
  useEffect(
    () =>
      search.subscribe(() => {
        const t = search.pending();
        if (t?.cardId === card.id) setChosen(t.generationId);
      }),
    [search, card.id],
  );

  const settings: GenerateParams = card.settings ?? defaultCardSettings(info.model.defaults);
  // "a {red|blue} {cat|rocket}": Generate makes a matrix, one generation per combination (or says why not).
  const parsedMatrix = parsePromptMatrix(card.text);
  const matrix = parsedMatrix.ok ? parsedMatrix.matrix : null;
  const start = async (p: GenerateParams) => {
    setOpen(false);
    const prompt = card.text.trim();
    if (!prompt) return toast("Write a prompt first.");
    if (starting) return;
    setStarting(true);
    // The card remembers its settings for everyone (the next Generate, a preset): not an undo step of its own.
    if (JSON.stringify(p) !== JSON.stringify(settings)) {
      try {
        setCardSettings(sync.doc, card.id, p, GENERATION_ORIGIN);
      } catch {
        // Settings out of range are refused by the API below with a readable message.
      }
    }
    try {
      const params: Record<string, number | string> = { guidanceScale: p.guidanceScale, temperature: p.temperature };
      if (p.seed !== null) params.seed = p.seed;
      if (p.negativePrompt) params.negativePrompt = p.negativePrompt;
      if (matrix) {
        const m = await gql<{ startPromptMatrix: { cells: { generation: { id: string } }[] } }>(M_START_MATRIX, {
          boardId: info.boardId,
          cardId: card.id,
          prompt,
          n: p.n,
          params,
        });
        const first = m.startPromptMatrix.cells[0];
        if (first) addGeneration(sync.doc, card.id, first.generation.id, GENERATION_ORIGIN);
        return;
      }
      const r = await gql<{ startGeneration: { id: string } }>(M_START, {
        boardId: info.boardId,
        cardId: card.id,
        prompt,
        n: p.n,
        params,
      });
      addGeneration(sync.doc, card.id, r.startGeneration.id, GENERATION_ORIGIN);
    } catch (e) {
      toast(friendlyError(e));
    } finally {
      setStarting(false);
    }
  };
  const cancel = async () => {
    if (!gen) return;
    try {
      await gql(M_CANCEL, { id: gen.id });
    } catch (e) {
      toast(friendlyError(e));
    }
  };

  const prog = gen ? progress(gen, now) : null;
  // Told to screen readers politely, once each: the images are ready, then ranked.
  const ranked = gen?.tiles.some((t) => t.rank != null) ?? false;
  const announcement = !gen
    ? ""
    : gen.status === "FINISHED" && ranked
      ? `${gen.n} images for “${gen.prompt}” are ready, ranked by CLIP.`
      : gen.status === "FINISHED"
        ? `${gen.n} images for “${gen.prompt}” are ready.`
        : gen.status === "FAILED"
          ? `The generation for “${gen.prompt}” failed.`
          : "";
  return (
    <div className="generation" onPointerDown={(e) => e.stopPropagation()}>
      <div className="generation-bar">
        {canEdit && (
          <button
            type="button"
            className="primary"
            onClick={() => setOpen((o) => !o)}
            disabled={running || starting}
            aria-busy={running || starting}
          >
            Generate
          </button>
        )}
        {card.generationIds.length > 1 && (
          <div className="history">
            <button
              type="button"
              aria-expanded={historyOpen}
              aria-controls={`history-${card.id}`}
              onClick={() => setHistoryOpen((o) => !o)}
              title="Every generation on this card"
            >
              <History className="icon" aria-hidden="true" />
              History · #{Math.max(1, card.generationIds.indexOf(shownId ?? "") + 1)} of {card.generationIds.length}
            </button>
            {historyOpen && (
              <ul id={`history-${card.id}`} className="history-list" aria-label="Generations on this card">
                {card.generationIds
                  .map((id, i) => ({ id, i }))
                  .reverse()
                  .map(({ id, i }) => {
                    const thumb = historyThumbnail(history.find((h) => h.id === id));
                    return (
                      <li key={id}>
                        <button
                          type="button"
                          aria-current={id === shownId ? "true" : undefined}
                          onClick={() => {
                            setChosen(id);
                            setHistoryOpen(false);
                          }}
                        >
                          {thumb ? <img src={thumb} alt="" /> : <span className="history-thumb-empty" />}
                          <span>
                            {labels[i]}
                            {id === latest ? " (latest)" : ""}
                          </span>
                        </button>
                      </li>
                    );
                  })}
              </ul>
            )}
          </div>
        )}
        {running && waiting && (
          <span className="gen-status queued" role="status">
            Queued · {ordinal(waiting.position)}
            {waiting.etaMs !== null ? ` · ${startsIn(waiting.etaMs)}` : ""}
            {gen?.createdBy ? ` · ${gen.createdBy}` : ""}
            {canCancel && (
              <button type="button" onClick={cancel}>
                Cancel
              </button>
            )}
          </span>
        )}
        {running && !waiting && prog && (
          <span className="gen-status" role="status">
            {gen?.createdBy ? `${gen.createdBy} is generating · ` : ""}
            {Math.round(prog.fraction * 100)}%
            {prog.etaMs != null && prog.etaMs > 0 ? ` · ~${Math.ceil(prog.etaMs / 1000)} s left` : ""}
            {canCancel && (
              <button type="button" onClick={cancel}>
                Cancel
              </button>
            )}
          </span>
        )}
        {gen?.status === "CANCELLED" && <span className="gen-status">Cancelled</span>}
      </div>
      {card.settings && !open && (
        <p className="card-settings muted" title="This card's Generate settings (change them with Generate)">
          {describeSettings(card.settings)}
        </p>
      )}
      {open && <GeneratePopover initial={settings} onSubmit={start} onClose={() => setOpen(false)} />}
      {error && (
        <p role="alert" className="gen-error">
          {error}
        </p>
      )}
      {gen?.status === "FAILED" && (
        <p role="alert" className="gen-error">
          {gen.error ?? "The generation failed."}
        </p>
      )}
      {canEdit && !parsedMatrix.ok && (
        <p className="matrix-note gen-error" role="note">
          {parsedMatrix.message}
        </p>
      )}
      {canEdit && matrix && (
        <p className="matrix-note muted" role="note">
          Matrix · {matrix.rows > 1 ? `${matrix.rows} × ${matrix.cols}` : matrix.cols} = {matrix.cells.length}{" "}
          generations, each its best image
        </p>
      )}
      {gen && (gen.matrixId ? <MatrixGrid matrixId={gen.matrixId} /> : <CandidateGrid gen={gen} />)}
      <p className="sr-only" aria-live="polite">
        {announcement}
      </p>
    </div>
  );
}
