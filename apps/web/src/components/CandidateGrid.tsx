import { ArrowBigUp, MessageSquare } from "lucide-react";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { candidateName } from "../lib/candidateName.ts";
import type { GenState, Tile } from "../lib/generationState.ts";
import { friendlyError, gql } from "../lib/gql.ts";
import { byRank, teamPick } from "../lib/pick.ts";
import { M_UNVOTE, M_VOTE, Q_COMMENT_COUNTS } from "../lib/queries.ts";
import { useBoard } from "./boardContext.ts";
import { CandidateModal } from "./CandidateModal.tsx";
import { TokenMosaic } from "./TokenMosaic.tsx";

/**
 * The candidate tiles: they fill token row by token row (each token painted with its code's patch, as
 * TOKENS arrive), sharpen at each decoded preview frame, then reorder by CLIP rank with a FLIP animation; each
 * shows its votes, and the team's pick is marked. With `topOnly` (a prompt matrix's cell) only the CLIP top-1 is
 * shown (the first image while it renders); its gallery still holds every candidate, and a search result among
 * them opens there.
 */
export function CandidateGrid({ gen, topOnly = false }: { gen: GenState; topOnly?: boolean }) {
  const { canEdit, toast, tokenPatches, info, finalOnly, onThreads, search } = useBoard();
  // Comment counts per candidate, with what I have not read (one request per generation, live).
  const [comments, setComments] = useState<Record<string, { comments: number; unread: number }>>({});
  const finished = gen.status === "FINISHED";
  useEffect(() => {
    if (!finished) return;
    let live = true;
    const load = () =>
      gql<{ commentCounts: { candidateId: string; comments: number; unread: number }[] }>(Q_COMMENT_COUNTS, {
        g: gen.id,
      })
        .then((r) => live && setComments(Object.fromEntries(r.commentCounts.map((c) => [c.candidateId, c]))))
        .catch(() => {}); // the badges are a convenience: the gallery shows the thread itself
    void load();
    const off = onThreads((e) => {
      if (e.generationId === gen.id) void load();
    });
    return () => {
      live = false;
      off();
    };
  }, [gen.id, finished, onThreads]);
  const grid = useMemo(() => ({ rows: gen.gridRows, cols: gen.gridCols }), [gen.gridRows, gen.gridCols]);
  const [votes, setVotes] = useState<Record<string, { votes: number; mine: boolean }>>({});
  const [openTile, setOpenTile] = useState<number | null>(null);
  const gridRef = useRef<HTMLOListElement>(null);
  const positions = useRef(new Map<number, DOMRect>());

  const tiles = byRank(
    gen.tiles.map((t) => {
      const v = t.candidateId ? votes[t.candidateId] : undefined;
      return v ? { ...t, votes: Math.max(v.votes, 0), votedByMe: v.mine } : t;
    }),
  );
  const pick = teamPick(tiles.map((t) => ({ ...t, id: String(t.index) })));
  const shown = topOnly ? tiles.slice(0, 1) : tiles;
  const order = shown.map((t) => t.index).join(",");

  // When the ranking reorders the tiles, each moved tile settles into its new cell (a short fade and grow
  // from slightly smaller) instead of sliding across the others: sliding tiles overlapped each other in most
  // runs. A tile never leaves its cell, so no two ever overlap. Skipped for prefers-reduced-motion.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the tile order changes, by design
  useLayoutEffect(() => {
    const grid = gridRef.current;
    if (!grid) return;
    const still = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches;
    const next = new Map<number, DOMRect>();
    for (const el of grid.querySelectorAll<HTMLElement>("[data-index]")) {
      const idx = Number(el.dataset.index);
      const rect = el.getBoundingClientRect();
      next.set(idx, rect);
      const prev = positions.current.get(idx);
      if (!still && prev && (prev.left !== rect.left || prev.top !== rect.top)) {
        el.animate(
          [
            { opacity: 0.15, transform: "scale(0.9)" },
            { opacity: 1, transform: "none" },
          ],
          { duration: 350, easing: "cubic-bezier(.2,.8,.2,1)" },
        );
      }
    }
    positions.current = next;
  }, [order]);

  const toggleVote = async (t: Tile) => {
    if (!t.candidateId) return;
    const mine = !t.votedByMe;
    setVotes((v) => ({ ...v, [t.candidateId!]: { votes: t.votes + (mine ? 1 : -1), mine } }));
    try {
      const r = await gql<Record<string, { votes: number; votedByMe: boolean }>>(mine ? M_VOTE : M_UNVOTE, {
        candidateId: t.candidateId,
      });
      const c = Object.values(r)[0];
      if (c) setVotes((v) => ({ ...v, [t.candidateId!]: { votes: c.votes, mine: c.votedByMe } }));
    } catch (e) {
      setVotes((v) => ({ ...v, [t.candidateId!]: { votes: t.votes, mine: t.votedByMe } }));
      toast(friendlyError(e));
    }
  };

  // A search result among these tiles opens in the gallery, once its image is here.
  useEffect(() => {
    const open = () => {
      const target = search.pending();
      const tile = target && gen.tiles.find((t) => t.candidateId === target.candidateId && t.image);
      if (tile && search.take(tile.candidateId!)) setOpenTile(tile.index);
    };
    open();
    return search.subscribe(open);
  }, [search, gen.tiles]);

  const opened = openTile === null ? null : tiles.find((t) => t.index === openTile);
  return (
    <>
      <ol ref={gridRef} className="tiles" aria-label="Candidates">
        {shown.map((t) => (
          <li
            key={t.index}
            data-index={t.index}
            className={`tile${t.finished ? " done" : ""}${pick && Number(pick.id) === t.index ? " pick" : ""}`}
            aria-label={capitalise(candidateName(t))}
            data-rows={t.rowsDone}
            data-tokens={t.tokens.length}
          >
            <button
              type="button"
              className="tile-image"
              aria-label={`Open ${candidateName(t)}`}
              onClick={() => setOpenTile(t.index)}
              disabled={!t.image}
            >
              {t.image && (t.finished || !finalOnly) ? (
                <img src={t.image} alt="" draggable={false} />
              ) : (
                <span className="tile-empty" />
              )}
              {!t.finished && !finalOnly && tokenPatches && t.tokenRows > t.rowsDone && (
                <TokenMosaic
                  tokens={t.tokens}
                  fromRow={t.rowsDone}
                  grid={grid}
                  patches={tokenPatches}
                  imageSize={info.model.imageSize}
                />
              )}
            </button>
            {pick && Number(pick.id) === t.index && <span className="pick-badge">★ Team pick</span>}
            {!t.finished && (
              <progress
                className="tile-progress"
                max={gen.gridRows}
                value={t.rowsDone}
                aria-label={`Candidate ${t.index + 1} progress`}
              />
            )}
            <div className="tile-meta">
              {gen.uploadFormat && (
                <span
                  className="rank"
                  title={`Uploaded (${gen.uploadFormat.toUpperCase()}), as the model's image codes`}
                >
                  Uploaded
                </span>
              )}
              {t.rank != null && (
                <span className="rank" title="CLIP rank and score">
                  #{t.rank}
                  {t.score != null && <small> · {t.score.toFixed(2)}</small>}
                </span>
              )}
              {t.candidateId && comments[t.candidateId] && (
                <span
                  className="comment-count"
                  title={`${comments[t.candidateId]!.comments} comments${comments[t.candidateId]!.unread ? `, ${comments[t.candidateId]!.unread} unread` : ""}`}
                >
                  <MessageSquare className="icon" aria-hidden="true" />
                  <span className="sr-only">Comments: </span>
                  {comments[t.candidateId]!.comments}
                  {comments[t.candidateId]!.unread > 0 && (
                    <span className="unread-dot">
                      <span className="sr-only">, {comments[t.candidateId]!.unread} unread</span>
                    </span>
                  )}
                </span>
              )}
              {canEdit && t.candidateId ? (
                <button type="button" className="vote" aria-pressed={t.votedByMe} onClick={() => toggleVote(t)}>
                  {/* The name a screen reader hears holds the visible count (WCAG 2.5.3, label in name). */}
                  <ArrowBigUp className="icon" aria-hidden="true" />
                  <span className="sr-only">Vote for {candidateName(t)}, votes: </span>
                  <span className="vote-count">{t.votes}</span>
                </button>
              ) : (
                <span className="vote-count">{t.votes} votes</span>
              )}
            </div>
          </li>
        ))}
      </ol>
      {opened && (
        <CandidateModal
          gen={gen}
          tiles={tiles}
          start={opened.index}
          onVote={toggleVote}
          onClose={() => setOpenTile(null)}
        />
      )}
    </>
  );
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
