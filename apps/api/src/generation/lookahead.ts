/**
 * An async iterator that can say whether its next item is already here. `nextIfReady()` gives the next
 * item if it arrives before the event loop's next turn (it was buffered while the loop was busy, or came
 * in the same batch of messages), else null — the item is not lost: `next()` returns it when it comes.
 * The API uses it to batch work only when it has fallen behind the runner, never by waiting.
 */
export class Lookahead<T> {
  private pending: Promise<IteratorResult<T>> | null = null;

  constructor(private readonly source: AsyncIterator<T>) {}

  next(): Promise<IteratorResult<T>> {
    const p = this.pending ?? this.source.next();
    this.pending = null;
    return p;
  }

  async nextIfReady(): Promise<T | null> {
    if (!this.pending) {
      this.pending = this.source.next();
      // Not awaited if the race below is lost; next() awaits it later and sees the failure then.
      this.pending.catch(() => {});
    }
    const r = await Promise.race([this.pending, new Promise<null>((resolve) => setImmediate(resolve, null))]);
    if (r === null || r.done) return null; // the end stays pending for next()
    this.pending = null;
    return r.value;
  }

  async return(): Promise<void> {
    await this.source.return?.();
  }
}
