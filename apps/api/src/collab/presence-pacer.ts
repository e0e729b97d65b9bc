/**
 * Presence that does not grow as N² (issue 19, under load). Every presence update is relayed to everyone else
 * on the board, so with N collaborators moving their cursors 10 times a second each receives 10 × (N − 1)
 * updates a second and the server relays 10 × N × (N − 1): 8,700 a second at N = 30, which took the cores
 * the board's edits and the generation's token events needed. Instead each collaborator *receives* about
 * PRESENCE_BUDGET updates a second whatever the room's size: a sender's updates are relayed at most every
 * (N − 1) / PRESENCE_BUDGET seconds (every 50 ms in a room of up to 4, ~2 a second at 30), and the latest
 * update held back is always sent when its turn comes, so a cursor that stops ends where it stopped. Leaving
 * (a null state) is never held back. Browsers animate a cursor across the gap (Presence.tsx).
 */

/** Presence updates a collaborator receives per second, whatever the room's size. */
export const PRESENCE_BUDGET = 60;
const MIN_INTERVAL_MS = 50;

/** How often one sender's presence is relayed in a room of `connections`. */
export function presenceIntervalMs(connections: number): number {
  return Math.max(MIN_INTERVAL_MS, Math.round((Math.max(connections - 1, 0) * 1000) / PRESENCE_BUDGET));
}

/** One connection's outgoing presence: sent now, or the latest held until its turn. */
export class PresencePacer {
  private lastSent = Number.NEGATIVE_INFINITY;
  private pending: Uint8Array | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  held = 0;

  constructor(
    private readonly send: (message: Uint8Array) => void,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  offer(message: Uint8Array, intervalMs: number, urgent = false): void {
    const now = this.clock();
    if (urgent || now - this.lastSent >= intervalMs) {
      this.cancel();
      this.lastSent = now;
      this.send(message);
      return;
    }
    if (this.pending) this.held++; // replaced: only the latest state matters
    this.pending = message;
    this.timer ??= setTimeout(() => this.flush(), Math.max(0, this.lastSent + intervalMs - now));
  }

  private flush(): void {
    this.timer = null;
    const m = this.pending;
    this.pending = null;
    if (!m) return;
    this.lastSent = this.clock();
    this.send(m);
  }

  /** The connection closed: nothing more is sent. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
  }
}
