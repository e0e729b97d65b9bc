/** Runs the API alone (no web app): `tsx apps/api/src/main.ts`. SIGINT/SIGTERM shut down gracefully. */
import { startApiServer } from "./server.ts";

const api = await startApiServer();
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    api.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error("shutdown failed", err);
        process.exit(1);
      },
    );
  });
}
