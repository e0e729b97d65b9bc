import { useEffect, useRef } from "react";
import { nudgeOffset } from "../lib/nudge.ts";

export interface ShortcutHandlers {
  undo(): void;
  redo(): void;
  remove(): void;
  duplicate(): void;
  nudge(dx: number, dy: number): void;
  resize(dw: number, dh: number): void;
  selectAll(): void;
  deselect(): void;
  newPrompt(): void;
  newNote(): void;
  zoomIn(): void;
  zoomOut(): void;
  fit(): void;
  help(): void;
  prompts(): void;
  versions(): void;
  search(): void;
}

/** The shortcut table shown in the help overlay; keep in sync with the handler below. */
export const SHORTCUTS: [string, string][] = [
  ["Ctrl/⌘ + K", "Search the board's images by meaning, or by tag"],
  ["P / double-click", "New prompt card"],
  ["N", "New sticky note"],
  ["L", "Prompts: presets and the board's prompt history"],
  ["H", "Version history: save, browse and restore versions"],
  ["Drag empty space / Space + drag", "Pan"],
  ["Wheel / pinch / + / −", "Zoom"],
  ["Shift + 1", "Fit to content"],
  ["Shift + drag", "Select an area"],
  ["Ctrl/⌘ + A", "Select all"],
  ["← ↑ → ↓", "Move selection (Shift: larger step)"],
  ["Alt + ← ↑ → ↓", "Resize selection (Shift: larger step)"],
  ["← / → · V (gallery)", "Previous / next candidate · vote"],
  ["Ctrl/⌘ + D", "Duplicate selection"],
  ["Delete / Backspace", "Delete selection"],
  ["Ctrl/⌘ + Z", "Undo (your edits only)"],
  ["Shift + Ctrl/⌘ + Z", "Redo"],
  ["Esc", "Deselect / close"],
  ["?", "This help"],
];

export function useShortcuts(h: ShortcutHandlers): void {
  const ref = useRef(h);
  ref.current = h;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      // A <select> uses the arrow keys itself (the history picker), like text fields do.
      const typing = ["TEXTAREA", "INPUT", "SELECT"].includes(t.tagName) || t.isContentEditable;
      const mod = e.ctrlKey || e.metaKey;
      const k = e.key.toLowerCase();
      const run = (fn: () => void) => {
        e.preventDefault();
        fn();
      };
      // Undo always goes to the per-user Y.UndoManager, even in a textarea: the browser's own textarea
      // undo would replay stale text over collaborators' edits.
      if (mod && k === "z") return run(e.shiftKey ? ref.current.redo : ref.current.undo);
      if (mod && k === "y") return run(ref.current.redo);
      // Search opens from anywhere on the board, a card's text included (other dialogs keep their keys).
      if (mod && k === "k" && !t.closest?.(".overlay")) return run(ref.current.search);
      // A dialog (the gallery, what it knows) handles its own keys, Esc included: board keys would act on
      // cards hidden behind it, and a board state change mid-event would detach the dialog's listener.
      if (t.closest?.(".overlay")) return;
      if (e.key === "Escape") return run(ref.current.deselect);
      if (typing) return;
      if (mod && k === "a") return run(ref.current.selectAll);
      if (mod && k === "d") return run(ref.current.duplicate);
      if (mod) return;
      const nudge = nudgeOffset(e.key, e.shiftKey);
      if (nudge && e.altKey) return run(() => ref.current.resize(nudge.dx, nudge.dy));
      if (nudge) return run(() => ref.current.nudge(nudge.dx, nudge.dy));
      if (e.key === "Delete" || e.key === "Backspace") return run(ref.current.remove);
      if (e.key === "?") return run(ref.current.help);
      if (e.key === "!" || (e.shiftKey && e.code === "Digit1")) return run(ref.current.fit);
      if (e.key === "+" || e.key === "=") return run(ref.current.zoomIn);
      if (e.key === "-") return run(ref.current.zoomOut);
      if (k === "p") return run(ref.current.newPrompt);
      if (k === "n") return run(ref.current.newNote);
      if (k === "l") return run(ref.current.prompts);
      if (k === "h") return run(ref.current.versions);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
