import type * as Y from "yjs";

/**
 * Runs `fn` in one transaction under `origin` as its own undo step. Y.UndoManager merges changes that come
 * less than `captureTimeout` apart into one step; for discrete edits (add, duplicate, delete, recolour)
 * that would make one Ctrl+Z revert several unrelated actions, so capturing stops before and after.
 */
export function undoStep<T>(doc: Y.Doc, undo: Y.UndoManager, origin: object, fn: () => T): T {
  undo.stopCapturing();
  let out!: T;
  doc.transact(() => {
    out = fn();
  }, origin);
  undo.stopCapturing();
  return out;
}
