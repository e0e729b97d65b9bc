import type { GQL } from "@tessera/shared";
/** The board's view of the generation queue (the SDL's `BoardQueue`, as QUEUE_FIELDS asks for it), kept outside React state. */
export type BoardQueue = Omit<GQL.BoardQueue, "boardId">;

export const EMPTY_QUEUE: BoardQueue = { entries: [], waiting: 0, running: 0 };

/**
 * A tiny external store: the queue changes several times a second while a team generates, and only the
 * cards with a waiting generation and the toolbar's queue button should re-render for it, not the board.
 */
export class QueueStore {
  private q: BoardQueue = EMPTY_QUEUE;
  private readonly listeners = new Set<() => void>();
  get = (): BoardQueue => this.q;
  set(q: BoardQueue): void {
    this.q = q;
    for (const l of this.listeners) l();
  }
  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };
}

/** "next", "2nd", "3rd", "11th", "21st" in line. */
export function ordinal(n: number): string {
  if (n === 1) return "next";
  const s =
    n % 100 >= 11 && n % 100 <= 13 ? "th" : (({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[n % 10] ?? "th");
  return `${n}${s} in line`;
}

/** "starts in ~6 s", "starts in ~2 min"; empty before the model's speed is known. */
export function startsIn(etaMs: number | null): string {
  if (etaMs === null) return "";
  const s = Math.max(1, Math.ceil(etaMs / 1000));
  return s < 90 ? `starts in ~${s} s` : `starts in ~${Math.round(s / 60)} min`;
}
