/**
 * One name for a candidate everywhere (tiles, gallery, votes, screen readers): its CLIP rank once the ranking
 * arrived ("candidate #2"), its place in the generation before that ("candidate 3").
 */
export function candidateName(t: { index: number; rank: number | null }): string {
  return t.rank != null ? `candidate #${t.rank}` : `candidate ${t.index + 1}`;
}
