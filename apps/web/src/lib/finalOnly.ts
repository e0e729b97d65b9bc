/**
 * "Final images only": tiles skip the token-by-token render and the previews and show each image once it is
 * done (progress bars still move). A per-browser choice; without one, it follows prefers-reduced-motion.
 */
const KEY = "tessera.finalImagesOnly";

export function readFinalOnly(): boolean {
  try {
    const stored = window.localStorage.getItem(KEY);
    if (stored === "1" || stored === "0") return stored === "1";
  } catch {
    // storage blocked (private mode, sandboxed frame): fall through to the system setting
  }
  return window.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;
}

export function storeFinalOnly(on: boolean): void {
  try {
    window.localStorage.setItem(KEY, on ? "1" : "0");
  } catch {
    // not remembered, still applied for this page
  }
}
