import { addGeneration, candidateImagePath, readCard } from "@tessera/shared";
import { ArrowBigUp, ChevronLeft, ChevronRight, Download } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { createPortal } from "react-dom";
import { candidateName } from "../lib/candidateName.ts";
import { GENERATION_ORIGIN, type GenState, type Tile } from "../lib/generationState.ts";
import { friendlyError, gql } from "../lib/gql.ts";
import { M_REMIX, M_VARIATIONS } from "../lib/queries.ts";
import { downloadUpscaled } from "../lib/upscale.ts";
import { useBoard } from "./boardContext.ts";
import { CandidateTags } from "./CandidateTags.tsx";
import { CommentThread } from "./CommentThread.tsx";

/**
 * The gallery of one generation: a candidate large, the others beside it in rank order (a filmstrip), arrow
 * keys to step through them, V to vote; download, remix (keep the top rows, regenerate the rest) and
 * variations for the one shown.
 */
export function CandidateModal({
  gen,
  tiles,
  start,
  onVote,
  onClose,
}: {
  gen: GenState;
  /** The generation's tiles in the order the card shows them (CLIP rank once ranked). */
  tiles: Tile[];
  /** The candidate index opened first. */
  start: number;
  onVote(t: Tile): void;
  onClose(): void;
}) {
  const { info, sync, canEdit, toast } = useBoard();
  const [current, setCurrent] = useState(start);
  const dialogRef = useRef<HTMLDivElement>(null);
  // Focus moves into the gallery: its keys (arrows, V) then never reach the board's shortcuts behind it.
  useEffect(() => dialogRef.current?.focus(), []);
  const [keepRows, setKeepRows] = useState(Math.floor(gen.gridRows / 2));
  const n = Math.min(gen.n, info.limits.candidatesMax);
  const shown = tiles.filter((t) => t.image);
  const at = Math.max(
    0,
    shown.findIndex((t) => t.index === current),
  );
  const tile = shown[at] ?? tiles[0]!;

  const run = async (query: string, vars: Record<string, unknown>) => {
    try {
      const r = await gql<Record<string, { id: string }>>(query, vars);
      const id = Object.values(r)[0]?.id;
      if (id) addGeneration(sync.doc, gen.cardId, id, GENERATION_ORIGIN);
      onClose();
    } catch (e) {
      toast(friendlyError(e));
    }
  };

  // One listener for the gallery's life, reading the latest state through a ref: re-adding it on every
  // render could drop a key pressed while a render runs.
  const keys = useRef({ onClose, onVote, shown, at, tile, canEdit });
  keys.current = { onClose, onVote, shown, at, tile, canEdit };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const k = keys.current;
      const typing =
        (e.target instanceof HTMLInputElement && e.target.type !== "range") || e.target instanceof HTMLTextAreaElement;
      if (e.key === "Escape") k.onClose();
      else if (typing) return;
      else if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
        e.preventDefault();
        const step = e.key === "ArrowRight" ? 1 : -1;
        const next = k.shown[(k.at + step + k.shown.length) % k.shown.length];
        if (next) setCurrent(next.index);
      } else if ((e.key === "v" || e.key === "V") && k.canEdit && k.tile.candidateId && k.tile.finished) {
        e.preventDefault();
        k.onVote(k.tile);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  // Portalled to <body>: inside the transformed board layer, `position: fixed` would follow the camera.
  return createPortal(
    <div
      ref={dialogRef}
      tabIndex={-1}
      className="overlay"
      role="dialog"
      aria-modal="true"
      aria-label={`Gallery: ${gen.prompt}`}
      onPointerDown={(e) => e.stopPropagation()}
    >
      <div className="dialog candidate-dialog">
        <div className="candidate-large">
          {shown.length > 1 && (
            <>
              <button
                type="button"
                className="gallery-nav prev"
                aria-label="Previous candidate (←)"
                onClick={() => setCurrent(shown[(at - 1 + shown.length) % shown.length]!.index)}
              >
                <ChevronLeft className="icon" aria-hidden="true" />
              </button>
              <button
                type="button"
                className="gallery-nav next"
                aria-label="Next candidate (→)"
                onClick={() => setCurrent(shown[(at + 1) % shown.length]!.index)}
              >
                <ChevronRight className="icon" aria-hidden="true" />
              </button>
            </>
          )}
          {tile.image && <img src={tile.image} alt={`${gen.prompt} — ${candidateName(tile)}`} />}
          {canEdit && tile.finished && (
            <div className="keep-line" style={{ top: `${(keepRows / gen.gridRows) * 100}%` }} aria-hidden="true" />
          )}
        </div>
        {shown.length > 1 && (
          <ol className="filmstrip" aria-label="All candidates">
            {shown.map((t) => (
              <li key={t.index}>
                <button
                  type="button"
                  aria-current={t.index === tile.index ? "true" : undefined}
                  aria-label={`Show ${candidateName(t)}`}
                  onClick={() => setCurrent(t.index)}
                >
                  <img src={t.image!} alt="" draggable={false} />
                  {t.rank != null && <span>#{t.rank}</span>}
                </button>
              </li>
            ))}
          </ol>
        )}
        <div className="gallery-side">
          <p className="candidate-caption" aria-live="polite">
            {gen.uploadFormat ? (
              `An uploaded picture (${gen.uploadFormat.toUpperCase()}) on “${gen.prompt}”`
            ) : (
              <>
                “{gen.prompt}” ·{" "}
                {tile.rank != null ? `#${tile.rank} of ${tiles.length}` : `candidate ${tile.index + 1}`}
                {gen.seed != null && ` · seed ${gen.seed}, image ${tile.index + 1}`}
              </>
            )}
            {tile.score != null && ` · CLIP ${tile.score.toFixed(2)}`} · {tile.votes}{" "}
            {tile.votes === 1 ? "vote" : "votes"}
          </p>
          {tile.candidateId && tile.finished && (
            <CandidateTags
              generationId={gen.id}
              candidateId={tile.candidateId}
              imageUrl={candidateImagePath(tile.candidateId)}
              prompt={gen.prompt}
              onLeave={onClose}
            />
          )}
          <div className="popover-actions">
            {canEdit && tile.candidateId && tile.finished && (
              <button
                type="button"
                className="vote"
                aria-pressed={tile.votedByMe}
                aria-keyshortcuts="V"
                title="Vote (V)"
                onClick={() => onVote(tile)}
              >
                <ArrowBigUp className="icon" aria-hidden="true" />
                Vote<span className="sr-only"> for {candidateName(tile)}</span>
              </button>
            )}
            {tile.candidateId && (
              <a
                className="button"
                href={candidateImagePath(tile.candidateId)}
                download={`tessera-${tile.candidateId}.png`}
              >
                <Download className="icon" aria-hidden="true" /> Download PNG ({info.model.imageSize} px)
              </a>
            )}
            {tile.candidateId && (
              <button
                type="button"
                title="Each model pixel enlarged to a crisp 4×4 square (nearest neighbour)"
                onClick={() =>
                  downloadUpscaled(
                    candidateImagePath(tile.candidateId!),
                    4,
                    `tessera-${tile.candidateId}-x4.png`,
                  ).catch((e) => toast(friendlyError(e)))
                }
              >
                <Download className="icon" aria-hidden="true" /> Download ×4 ({4 * info.model.imageSize} px)
              </button>
            )}
            {canEdit && tile.candidateId && (
              <>
                <label>
                  Keep top rows {keepRows}
                  <input
                    type="range"
                    min={1}
                    max={gen.gridRows - 1}
                    value={keepRows}
                    onChange={(e) => setKeepRows(Number(e.target.value))}
                  />
                </label>
                {gen.uploadFormat ? (
                  // An uploaded picture is completed with what its card says now (DALL·E's image completion).
                  <button
                    type="button"
                    className="primary"
                    title="Keep the picture's top rows and let the model draw the rest, with the card's prompt"
                    onClick={() => {
                      const prompt = readCard(sync.doc, gen.cardId)?.text.trim() || gen.prompt;
                      return run(M_REMIX, { candidateId: tile.candidateId, keepRows, n: 4, prompt });
                    }}
                  >
                    Complete
                  </button>
                ) : (
                  <>
                    <button type="button" onClick={() => run(M_REMIX, { candidateId: tile.candidateId, keepRows, n })}>
                      Remix
                    </button>
                    <button type="button" onClick={() => run(M_VARIATIONS, { generationId: gen.id, n })}>
                      Variations
                    </button>
                  </>
                )}
              </>
            )}
            <button type="button" onClick={onClose}>
              Close
            </button>
          </div>
          {tile.candidateId && tile.finished && <CommentThread candidateId={tile.candidateId} />}
        </div>
      </div>
    </div>,
    document.body,
  );
}
