/** Board-level activity (generation started/finished, votes, ranking) fanned out to subscribers. */
export interface BoardActivityEvent {
  boardId: string;
  kind:
    | "GENERATION_STARTED"
    | "GENERATION_FINISHED"
    | "VOTES_CHANGED"
    | "RANKING_CHANGED"
    | "COMMENTS_CHANGED"
    | "REACTIONS_CHANGED"
    | "VERSIONS_CHANGED"
    | "BOARD_RESTORED";
  generationId: string;
  cardId: string;
  candidateId?: string | null;
  votes?: number | null;
  status?: "QUEUED" | "RUNNING" | "FINISHED" | "FAILED" | "CANCELLED" | null;
  /** BOARD_RESTORED: the restored version, the one kept just before, who restored and the version's name. */
  versionId?: string | null;
  backupVersionId?: string | null;
  byName?: string | null;
  versionName?: string | null;
  versionKind?: "NAMED" | "AUTOMATIC" | "BEFORE_RESTORE" | null;
}

type Listener = (e: BoardActivityEvent) => void;

export class BoardActivityBus {
  private readonly listeners = new Map<string, Set<Listener>>();

  publish(e: BoardActivityEvent): void {
    for (const l of this.listeners.get(e.boardId) ?? []) l(e);
  }

  async *subscribe(boardId: string, signal: AbortSignal): AsyncGenerator<BoardActivityEvent> {
    const queue: BoardActivityEvent[] = [];
    let wake: (() => void) | null = null;
    const listener: Listener = (e) => {
      queue.push(e);
      wake?.();
    };
    const set = this.listeners.get(boardId) ?? new Set<Listener>();
    this.listeners.set(boardId, set);
    set.add(listener);
    const onAbort = () => wake?.();
    signal.addEventListener("abort", onAbort);
    try {
      while (!signal.aborted) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        await new Promise<void>((r) => {
          wake = r;
        });
        wake = null;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(boardId);
    }
  }
}
