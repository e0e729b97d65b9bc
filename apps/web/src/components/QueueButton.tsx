import { ListOrdered } from "lucide-react";
import { useState, useSyncExternalStore } from "react";
import { friendlyError, gql } from "../lib/gql.ts";
import { M_CANCEL } from "../lib/queries.ts";
import { EMPTY_QUEUE, ordinal, startsIn } from "../lib/queueStore.ts";
import { useBoard } from "./boardContext.ts";
import { useEscape } from "./useEscape.ts";

/**
 * The server's queue as this board sees it (issue 18 item 1): shown while anything runs or waits. Its panel
 * lists this board's waiting generations in turn order, with who started them, their place in line and an
 * estimate; other boards are a count only (their prompts are theirs). Who started one, or the owner, cancels.
 */
export function QueueButton() {
  const { queue, info, canEdit, toast } = useBoard();
  const q = useSyncExternalStore(queue.subscribe, queue.get, () => EMPTY_QUEUE);
  const [open, setOpen] = useState(false);
  useEscape(() => setOpen(false), open);
  if (q.waiting + q.running === 0 && !open) return null;
  const others = q.waiting - q.entries.length;
  const cancel = async (id: string) => {
    try {
      await gql(M_CANCEL, { id });
    } catch (e) {
      toast(friendlyError(e));
    }
  };
  return (
    <div className="queue">
      <button
        type="button"
        aria-expanded={open}
        aria-controls="queue-panel"
        onClick={() => setOpen((o) => !o)}
        title="Generations running and waiting on this server"
      >
        <ListOrdered className="icon" aria-hidden="true" />
        {q.waiting > 0 ? `${q.waiting} waiting` : q.running > 0 ? `${q.running} running` : "Queue"}
      </button>
      {open && (
        <section id="queue-panel" className="queue-panel" aria-label="Generation queue">
          <p className="muted queue-note">
            On this server: {q.running} running · {q.waiting} waiting. Turns go round the boards, then the people on
            each, so nobody waits behind a whole batch of someone else's.
          </p>
          {q.entries.length === 0 ? (
            <p className="muted queue-note">Nothing from this board is waiting.</p>
          ) : (
            <ol className="queue-list" aria-label="Waiting on this board">
              {q.entries.map((e) => (
                <li key={e.generationId}>
                  <span className="queue-prompt">{e.prompt}</span>
                  <span className="muted">
                    {e.createdBy} · {ordinal(e.position)}
                    {e.etaMs !== null ? ` · ${startsIn(e.etaMs)}` : ""}
                  </span>
                  {canEdit && (info.role === "OWNER" || e.createdById === info.me.id) && (
                    <button type="button" onClick={() => cancel(e.generationId)} aria-label={`Cancel “${e.prompt}”`}>
                      Cancel
                    </button>
                  )}
                </li>
              ))}
            </ol>
          )}
          {others > 0 && (
            <p className="muted queue-note">
              {others} waiting from other boards{q.entries.length > 0 ? ", shown by their turn above" : ""}.
            </p>
          )}
        </section>
      )}
    </div>
  );
}
