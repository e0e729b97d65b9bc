import type { RunnerEvent } from "@tessera/shared";

/** A runner event as it crosses from the engine thread: `at` is when the engine emitted it. */
export interface EmittedEvent {
  id: string;
  event: RunnerEvent;
  /** performance.timeOrigin + performance.now() in the engine's thread, comparable across threads. */
  at: number;
}

/**
 * Posts the events the engine emits in one synchronous stretch as one message.
 *
 * The engine emits a step's events for all n candidates back to back, and a generation's ranking and end
 * together. Posted one by one they reached the API's thread as separate messages, and the engine thread
 * (running below the event loop's priority) could be preempted between two of them: the API then stored
 * a ranking and the end of its generation in two round trips instead of one, and handled n times the
 * messages (bench:api). The batch is flushed in a microtask, so nothing waits for a later event.
 */
export class EventBatcher {
  private batch: EmittedEvent[] = [];

  constructor(private readonly post: (events: EmittedEvent[]) => void) {}

  emit(id: string, event: RunnerEvent): void {
    if (this.batch.length === 0) queueMicrotask(() => this.flush());
    this.batch.push({ id, event, at: performance.timeOrigin + performance.now() });
  }

  flush(): void {
    if (this.batch.length === 0) return;
    const events = this.batch;
    this.batch = [];
    this.post(events);
  }
}
