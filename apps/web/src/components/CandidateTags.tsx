import { Tags, TextSearch } from "lucide-react";
import { useEffect, useState } from "react";
import { gql } from "../lib/gql.ts";
import { Q_CANDIDATE_TAGS, swatchOf } from "../lib/searchQueries.ts";
import { useBoard } from "./boardContext.ts";

/**
 * In the gallery: what CLIP sees in the candidate (its zero-shot tags, as chips: each lists the board's images
 * with that tag) and "More like this" (the board's images nearest to it). Both open the board's search.
 */
export function CandidateTags({
  generationId,
  candidateId,
  imageUrl,
  prompt,
  onLeave,
}: {
  generationId: string;
  candidateId: string;
  imageUrl: string;
  prompt: string;
  /** Closes the gallery: the search takes over. */
  onLeave(): void;
}) {
  const { search } = useBoard();
  const [tags, setTags] = useState<Record<string, string[]> | null>(null);
  useEffect(() => {
    let live = true;
    gql<{ generation: { candidates: { id: string; tags: string[] }[] } | null }>(Q_CANDIDATE_TAGS, { g: generationId })
      .then((r) => live && setTags(Object.fromEntries((r.generation?.candidates ?? []).map((c) => [c.id, c.tags]))))
      .catch(() => live && setTags({})); // the chips are extra: the gallery works without them
    return () => {
      live = false;
    };
  }, [generationId]);
  const mine = tags?.[candidateId] ?? [];
  const open = (r: Parameters<typeof search.openSearch>[0]) => {
    onLeave();
    search.openSearch(r);
  };
  return (
    <div className="candidate-tags">
      <div className="tag-row">
        <Tags className="icon muted" aria-hidden="true" />
        <span className="sr-only">What CLIP sees in this image:</span>
        {tags === null ? (
          <span className="skeleton tag-skeleton" style={{ width: 120 }} />
        ) : mine.length === 0 ? (
          <span className="muted tag-none">No tags</span>
        ) : (
          mine.map((t) => (
            <button
              key={t}
              type="button"
              className="tag-chip"
              title={`Every image on this board tagged ${t}`}
              onClick={() => open({ tags: [t] })}
            >
              <TagSwatch tag={t} />
              {t}
            </button>
          ))
        )}
      </div>
      <button type="button" onClick={() => open({ similarTo: { candidateId, imageUrl, prompt } })}>
        <TextSearch className="icon" aria-hidden="true" /> More like this
      </button>
    </div>
  );
}

/** A colour tag's swatch (nothing for other tags). */
export function TagSwatch({ tag }: { tag: string }) {
  const colour = swatchOf(tag);
  return colour ? <span className="swatch-dot" style={{ background: colour }} aria-hidden="true" /> : null;
}
