/**
 * Stable error codes shared by the runner, the API (`extensions.code`) and the web app, each with a
 * sentence a person understands. The code is the contract; messages may be refined.
 */
export const ERROR_CODES = {
  BAD_USER_INPUT: "That input isn't valid.",
  UNAUTHENTICATED: "Your session has expired. Reload the page to continue.",
  FORBIDDEN: "You don't have permission to do that on this board.",
  NOT_FOUND: "That doesn't exist, or it was deleted.",
  RATE_LIMITED: "You're generating too fast. Wait a moment and try again.",
  QUEUE_FULL: "The image engine is busy. Try again in a few seconds.",
  GENERATION_FAILED: "The generation failed. Try again.",
  GENERATION_CANCELLED: "The generation was cancelled.",
  BUNDLE_INVALID: "The image model could not be loaded.",
  RUNNER_UNAVAILABLE: "The image engine is not available right now.",
  DATABASE_UNAVAILABLE: "The database is not reachable right now. Try again shortly.",
  INTERNAL: "Something went wrong on our side.",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error that is safe to show: it carries a stable code and a human sentence. */
export class TesseraError extends Error {
  override readonly name = "TesseraError";
  constructor(
    readonly code: ErrorCode,
    message: string = ERROR_CODES[code],
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function isTesseraError(e: unknown): e is TesseraError {
  return e instanceof TesseraError;
}

/** Closes every switch over a union: the compiler fails here when a case is missing. */
export function exhaustiveSwitchError(value: never, what = "value"): never {
  throw new Error(`Unhandled ${what}: ${JSON.stringify(value)}`);
}
