/**
 * One append-only log per live generation. Every event gets a `seq` from 0; a subscriber replays the log
 * from the start and then follows live appends from the same array, so there is no gap and no duplicate
 * (the replay and the live part are one cursor over one array). Logs are dropped a while after the
 * generation ends; a later subscriber reads the finished generation from the database instead.
 */
export interface Sequenced<T> {
  seq: number;
  event: T;
}

export class EventLog<T> {
  private readonly events: Sequenced<T>[] = [];
  private waiters: (() => void)[] = [];
  private closed = false;

  append(event: T): Sequenced<T> {
    if (this.closed) throw new Error("event log is closed");
    const item = { seq: this.events.length, event };
    this.events.push(item);
    this.wake();
    return item;
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  get size(): number {
    return this.events.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Every event from `fromSeq`, then live ones until the log closes or `signal` aborts. */
  async *subscribe(fromSeq = 0, signal?: AbortSignal): AsyncGenerator<Sequenced<T>> {
    let cursor = Math.max(0, fromSeq);
    let wake: (() => void) | null = null;
    // One abort listener per subscription (not per wait), removed at the end.
    const onAbort = () => wake?.();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      while (!signal?.aborted) {
        while (cursor < this.events.length) {
          yield this.events[cursor++]!;
          if (signal?.aborted) return;
        }
        if (this.closed) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
          this.waiters.push(resolve);
        });
        wake = null;
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }
}
