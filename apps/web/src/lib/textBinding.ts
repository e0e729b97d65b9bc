import type * as Y from "yjs";
import { diffText, shiftCaret } from "./textDiff.ts";

/**
 * Binds a textarea to a Y.Text: local input becomes a minimal insert/delete in a transaction with the
 * user's origin (so concurrent typing merges by character and undo stays per-user); other changes update
 * the textarea while keeping the local caret in place.
 */
export function bindTextarea(el: HTMLTextAreaElement, ytext: Y.Text, origin: object, maxChars: number): () => void {
  el.value = ytext.toString();

  const onInput = () => {
    let value = el.value;
    if (value.length > maxChars) {
      value = value.slice(0, maxChars);
      el.value = value;
    }
    const edit = diffText(ytext.toString(), value, el.selectionEnd);
    if (!edit) return;
    ytext.doc?.transact(() => {
      if (edit.remove > 0) ytext.delete(edit.index, edit.remove);
      if (edit.insert) ytext.insert(edit.index, edit.insert);
    }, origin);
  };

  const onRemote = () => {
    // Our own keystrokes are already in the textarea (the value matches); undo/redo, remote edits and this
    // user's edits made elsewhere (a suggestion chip, a concept inserted from "what it knows") are not.
    const next = ytext.toString();
    if (el.value === next) return;
    const edit = diffText(el.value, next);
    const start = el.selectionStart;
    const end = el.selectionEnd;
    el.value = next;
    if (edit && document.activeElement === el) el.setSelectionRange(shiftCaret(start, edit), shiftCaret(end, edit));
  };

  el.addEventListener("input", onInput);
  ytext.observe(onRemote);
  return () => {
    el.removeEventListener("input", onInput);
    ytext.unobserve(onRemote);
  };
}
