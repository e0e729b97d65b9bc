/** One generation as the history picker needs it. */
export interface HistoryEntry {
  id: string;
  seed: number;
  n: number;
  keepRows: number | null;
  sourceCandidateId: string | null;
  status: string;
  candidates: { id: string; index: number; rank: number | null; imageUrl?: string | null }[];
}

/** The picture that stands for a generation in the history: its CLIP #1, else its first finished image. */
export function historyThumbnail(e: HistoryEntry | undefined): string | null {
  if (!e) return null;
  const ranked = e.candidates.find((c) => c.rank === 1 && c.imageUrl);
  return ranked?.imageUrl ?? e.candidates.find((c) => c.imageUrl)?.imageUrl ?? null;
}

/**
 * The picker's label for each of a card's generations, in the card's order: its number on the card, what it
 * was (a new run, or a remix of which earlier generation's candidate, named by its CLIP rank as everywhere
 * else), how many images, its seed. A generation not (yet) in `entries` gets its number alone.
 */
export function historyLabels(ids: string[], entries: HistoryEntry[]): string[] {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const whereCandidate = new Map<string, { gen: number; rank: number | null; index: number }>();
  ids.forEach((id, i) => {
    for (const c of byId.get(id)?.candidates ?? [])
      whereCandidate.set(c.id, { gen: i + 1, rank: c.rank, index: c.index });
  });
  return ids.map((id, i) => {
    const e = byId.get(id);
    if (!e) return `#${i + 1}`;
    const src = e.sourceCandidateId ? whereCandidate.get(e.sourceCandidateId) : undefined;
    const what = e.sourceCandidateId
      ? src
        ? `remix of #${src.gen}'s ${src.rank != null ? `rank ${src.rank}` : `image ${src.index + 1}`} (top ${e.keepRows} rows kept)`
        : `remix (top ${e.keepRows} rows kept)`
      : "new";
    const status = e.status === "FAILED" ? " · failed" : e.status === "CANCELLED" ? " · cancelled" : "";
    return `#${i + 1} · ${what} · ${e.n} ${e.n === 1 ? "image" : "images"} · seed ${e.seed}${status}`;
  });
}
