/**
 * How the board's search (Ctrl/⌘+K) talks to the rest of the board: the gallery asks for a search ("more like
 * this", a tag), and a chosen result asks its card to show that generation and open that candidate. The card
 * may not be drawn yet when asked (its generation loads first), so a reveal waits here until the card's
 * tiles take it, for a few seconds at most: a reveal nobody could take must not pop up later.
 */

/** A candidate to show: its card, its generation on that card, and itself. */
export interface RevealTarget {
  cardId: string;
  generationId: string;
  candidateId: string;
}

/** A candidate "more like this" starts from, as the palette shows it. */
export interface SimilarSource {
  candidateId: string;
  imageUrl: string;
  prompt: string;
}

/** What the palette opens with: text, tag filters, or a candidate to find images like. */
export interface SearchRequest {
  text?: string;
  tags?: string[];
  similarTo?: SimilarSource;
}

export const REVEAL_WAIT_MS = 4000;

export class SearchBus {
  private readonly openers = new Set<(r: SearchRequest) => void>();
  private readonly listeners = new Set<() => void>();
  private target: { t: RevealTarget; at: number } | null = null;

  /** Opens the board's search with `r` (whoever listens: the board). */
  openSearch(r: SearchRequest): void {
    for (const fn of this.openers) fn(r);
  }

  onOpenSearch(fn: (r: SearchRequest) => void): () => void {
    this.openers.add(fn);
    return () => this.openers.delete(fn);
  }

  /** Asks the target's card to show it; replaces a reveal still waiting. */
  reveal(t: RevealTarget, now = Date.now()): void {
    this.target = { t, at: now };
    for (const fn of this.listeners) fn();
  }

  /** The reveal waiting to be taken, if it is recent. */
  pending(now = Date.now()): RevealTarget | null {
    if (!this.target || now - this.target.at > REVEAL_WAIT_MS) return null;
    return this.target.t;
  }

  /** Takes the waiting reveal when it is for `candidateId`: only one tile opens it. */
  take(candidateId: string, now = Date.now()): RevealTarget | null {
    const t = this.pending(now);
    if (!t || t.candidateId !== candidateId) return null;
    this.target = null;
    return t;
  }

  /** Called on every reveal. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
