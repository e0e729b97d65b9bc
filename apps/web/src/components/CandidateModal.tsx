import { addGeneration, candidateImagePath } from "@tessera/shared";
import { useEffect, useState } from "react";
import { createPortal } from "react-dom";
import { GENERATION_ORIGIN, type GenState, type Tile } from "../lib/generationState.ts";
import { friendlyError, gql } from "../lib/gql.ts";
import { M_REMIX, M_VARIATIONS } from "../lib/queries.ts";
import { downloadUpscaled } from "../lib/upscale.ts";
import { useBoard } from "./boardContext.ts";

/** A candidate large: download, remix (keep the top rows, regenerate the rest) and variations. */
export function CandidateModal({ gen, tile, onClose }: { gen: GenState; tile: Tile; onClose(): void }) {
  const { info, sync, canEdit, toast } = useBoard();
  const [keepRows, setKeepRows] = useState(Math.floor(gen.gridRows / 2));
  const n = Math.min(gen.n, info.limits.candidatesMax);

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

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  // Portalled to <body>: inside the transformed board layer, `position: fixed` would follow the camera.
  return createPortal(
    <div
      className="overlay"
      role="dialog"
      aria-modal="true"
      aria-label={`Candidate ${tile.index + 1}`}
      onPointerDown={(e) => e.stopPropagation()}
    >
      <div className="dialog candidate-dialog">
        <div className="candidate-large">
          {tile.image && (
            <img
              src={tile.image}
              alt={`${gen.prompt} — candidate ${tile.index + 1}${tile.rank != null ? `, CLIP rank ${tile.rank}` : ""}`}
            />
          )}
          {canEdit && tile.finished && (
            <div className="keep-line" style={{ top: `${(keepRows / gen.gridRows) * 100}%` }} aria-hidden="true" />
          )}
        </div>
        <p className="candidate-caption">
          “{gen.prompt}” · candidate {tile.index + 1}
          {tile.rank != null && ` · CLIP rank ${tile.rank}`} · {tile.votes} votes
        </p>
        <div className="popover-actions">
          {tile.candidateId && (
            <a
              className="button"
              href={candidateImagePath(tile.candidateId)}
              download={`tessera-${tile.candidateId}.png`}
            >
              Download PNG ({info.model.imageSize} px)
            </a>
          )}
          {tile.candidateId && (
            <button
              type="button"
              title="Each model pixel enlarged to a crisp 4×4 square (nearest neighbour)"
              onClick={() =>
                downloadUpscaled(candidateImagePath(tile.candidateId!), 4, `tessera-${tile.candidateId}-x4.png`).catch(
                  (e) => toast(friendlyError(e)),
                )
              }
            >
              Download ×4 ({4 * info.model.imageSize} px)
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
              <button type="button" onClick={() => run(M_REMIX, { candidateId: tile.candidateId, keepRows, n })}>
                Remix
              </button>
              <button type="button" onClick={() => run(M_VARIATIONS, { generationId: gen.id, n })}>
                Variations
              </button>
            </>
          )}
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>,
    document.body,
  );
}
