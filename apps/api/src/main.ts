/** Runs the API alone (no web app): `tsx apps/api/src/main.ts`. SIGINT/SIGTERM shut down gracefully. */
import { startApiServer } from "./server.ts";
import { exitOnSignals } from "./shutdown.ts";

const api = await startApiServer();
exitOnSignals(() => api.close());
