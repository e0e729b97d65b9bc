/**
 * SIGINT/SIGTERM run `close` once, then exit 0 (1 if it failed); a second signal exits at once, for when a
 * graceful close hangs. Shared by every entry point (API alone, `npm start`, runner processes).
 */
export function exitOnSignals(
  close: () => Promise<void>,
  onError: (err: unknown) => void = (err) => console.error("shutdown failed", err),
): { stopping(): boolean } {
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      stopping = true;
      close().then(
        () => process.exit(0),
        (err: unknown) => {
          onError(err);
          process.exit(1);
        },
      );
    });
  }
  return { stopping: () => stopping };
}
