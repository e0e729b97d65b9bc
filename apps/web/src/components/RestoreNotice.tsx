import { History } from "lucide-react";

/**
 * Told to everyone on the board when someone restores a version, with Undo for every editor: undoing
 * restores the copy the server kept just before (so it is itself kept, and can be undone again).
 */
export function RestoreNotice({
  message,
  canUndo,
  undoing,
  onUndo,
  onDismiss,
}: {
  message: string;
  canUndo: boolean;
  undoing: boolean;
  onUndo(): void;
  onDismiss(): void;
}) {
  return (
    <div className="toast restore-notice" role="status" aria-live="polite">
      <History className="icon" aria-hidden="true" />
      <span>{message}</span>
      {canUndo && (
        <button type="button" className="toast-action" disabled={undoing} onClick={onUndo}>
          {undoing ? "Undoing…" : "Undo"}
        </button>
      )}
      <button type="button" className="toast-action subtle" aria-label="Dismiss" onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}
