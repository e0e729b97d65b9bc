import type { GQL } from "@tessera/shared";

/** What a board is told about the queue: the SDL's `BoardQueue` (generated from packages/shared/schema.graphql). */
export type BoardQueue = GQL.BoardQueue;

/**
 * The model's measured throughput: candidates finished per millisecond of time the model was busy, over
 * the last minute of busy time. Busy time, not wall time, so an idle hour does not make the next estimate
 * optimistic; and finishes in a burst (batched generations end together) are averaged, not taken one by one.
 */
export class Throughput {
  private busyTotal = 0;
  private busySince: number | null = null;
  private samples: { busyAt: number; n: number }[] = [];

  constructor(
    private readonly windowMs = 60_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  private busyNow(): number {
    return this.busyTotal + (this.busySince === null ? 0 : this.now() - this.busySince);
  }

  /** The model started (true) or stopped (false) having work. */
  busy(on: boolean): void {
    if (on && this.busySince === null) this.busySince = this.now();
    if (!on && this.busySince !== null) {
      this.busyTotal += this.now() - this.busySince;
      this.busySince = null;
    }
  }

  finished(candidates: number): void {
    const at = this.busyNow();
    this.samples.push({ busyAt: at, n: candidates });
    while (this.samples.length > 1 && this.samples[0]!.busyAt < at - this.windowMs) this.samples.shift();
  }

  /** Candidates per ms of busy time; null before anything finished. */
  perMs(): number | null {
    const last = this.samples.at(-1);
    if (!last) return null;
    const from = Math.max(0, last.busyAt - this.windowMs);
    const n = this.samples.filter((s) => s.busyAt > from).reduce((k, s) => k + s.n, 0);
    const span = last.busyAt - from;
    return span > 0 ? n / span : null;
  }
}
