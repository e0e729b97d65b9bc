import { useEffect, useRef } from "react";

/**
 * Calls `onEscape` when Esc is pressed anywhere while `active`. One window listener for as long as it is
 * active, reading the latest callback through a ref: re-adding the listener on every render (an inline
 * callback) could drop a key pressed while a render runs.
 */
export function useEscape(onEscape: () => void, active = true): void {
  const latest = useRef(onEscape);
  latest.current = onEscape;
  useEffect(() => {
    if (!active) return;
    const key = (e: KeyboardEvent) => {
      if (e.key === "Escape") latest.current();
    };
    window.addEventListener("keydown", key);
    return () => window.removeEventListener("keydown", key);
  }, [active]);
}
