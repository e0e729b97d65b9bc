/** Arrow keys move the selected cards by a small step, Shift for a large one (board units). */
export const NUDGE_STEP = 10;
export const NUDGE_STEP_LARGE = 50;

const DIRECTIONS: Record<string, [number, number]> = {
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
};

/** The offset an arrow key moves a selection by, or null for any other key. */
export function nudgeOffset(key: string, large: boolean): { dx: number; dy: number } | null {
  const dir = DIRECTIONS[key];
  if (!dir) return null;
  const step = large ? NUDGE_STEP_LARGE : NUDGE_STEP;
  return { dx: dir[0] * step, dy: dir[1] * step };
}
