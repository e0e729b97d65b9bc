/**
 * The smallest single-range edit turning `before` into `after`. A textarea's input event changes one
 * contiguous range (typing, deleting, pasting over a selection), so this is exact for real typing and lets
 * the Y.Text binding apply character-level edits that merge with concurrent typers.
 */
export interface TextEdit {
  index: number;
  remove: number;
  insert: string;
}

export function diffText(before: string, after: string, caretHint?: number): TextEdit | null {
  if (before === after) return null;
  const maxPrefix = Math.min(before.length, after.length);
  // With a caret hint, never let the common prefix run past the caret minus the inserted length: typing
  // "a" into "aa" at position 0 must be an insert at 0, not at 2.
  const insertedLen = Math.max(0, after.length - before.length);
  const prefixCap = caretHint === undefined ? maxPrefix : Math.min(maxPrefix, Math.max(0, caretHint - insertedLen));
  let start = 0;
  while (start < prefixCap && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before.charCodeAt(endBefore - 1) === after.charCodeAt(endAfter - 1)) {
    endBefore--;
    endAfter--;
  }
  return { index: start, remove: endBefore - start, insert: after.slice(start, endAfter) };
}

/** Where a caret at `pos` ends up after a remote edit. */
export function shiftCaret(pos: number, edit: TextEdit): number {
  if (pos <= edit.index) return pos;
  if (pos <= edit.index + edit.remove) return edit.index + edit.insert.length;
  return pos - edit.remove + edit.insert.length;
}
