/** At most so many hits per key in any window: generation starts per user, new users per address, … */
export interface Limiter {
  take(key: string): boolean | Promise<boolean>;
}

/** A per-key sliding-window limiter, in memory (scaled out, `scale/rate-limit.ts` keeps the same rule in Redis). */
export class RateLimiter implements Limiter {
  private readonly hits = new Map<string, number[]>();
  private nextSweep = 0;
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Records a hit and returns true when within the limit. */
  take(key: string, now = Date.now()): boolean {
    this.sweep(now);
    const recent = (this.hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.max) {
      this.hits.set(key, recent);
      return false;
    }
    recent.push(now);
    this.hits.set(key, recent);
    return true;
  }

  /** Keys tracked now (tests). */
  get size(): number {
    return this.hits.size;
  }

  /**
   * Forgets keys whose last hit left the window, at most once per window: otherwise every user who ever
   * started a generation kept an entry for the life of the process.
   */
  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + this.windowMs;
    for (const [key, times] of this.hits) if (now - times[times.length - 1]! >= this.windowMs) this.hits.delete(key);
  }
}
