/** The team's pick: most votes; CLIP rank (1 = best) breaks ties; nothing without votes. */
export interface Votable {
  id: string;
  votes: number;
  rank: number | null;
}

export function teamPick<T extends Votable>(candidates: readonly T[]): T | null {
  let best: T | null = null;
  for (const c of candidates) {
    if (c.votes <= 0) continue;
    if (
      !best ||
      c.votes > best.votes ||
      (c.votes === best.votes && (c.rank ?? Number.POSITIVE_INFINITY) < (best.rank ?? Number.POSITIVE_INFINITY))
    ) {
      best = c;
    }
  }
  return best;
}

/** Orders tiles by CLIP rank once ranked, by index before. */
export function byRank<T extends { index: number; rank: number | null }>(candidates: readonly T[]): T[] {
  return [...candidates].sort(
    (a, b) => (a.rank ?? Number.POSITIVE_INFINITY) - (b.rank ?? Number.POSITIVE_INFINITY) || a.index - b.index,
  );
}
