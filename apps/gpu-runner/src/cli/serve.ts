import { isTesseraError } from "@tessera/shared";
import { Runner } from "../runner.ts";
import { createRunnerServer } from "../server/http-server.ts";

/**
 * `npm run runner`: the runner as its own process (for scaling runners out). Listens on
 * RUNNER_HOST:RUNNER_PORT (127.0.0.1:4100) and exits cleanly on SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  const port = Number(process.env.RUNNER_PORT ?? 4100);
  const host = process.env.RUNNER_HOST ?? "127.0.0.1";
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`RUNNER_PORT must be a port number`);
  const runner = await Runner.create();
  const server = createRunnerServer(runner);
  server.listen(port, host, () => {
    const m = runner.model();
    console.log(`runner ${m.name}@${m.version} listening on http://${host}:${port}`);
  });
  const stop = () => {
    server.close();
    server.closeAllConnections();
    void runner.close();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((e: unknown) => {
  console.error(isTesseraError(e) ? `${e.code}: ${e.message}` : e);
  process.exitCode = 1;
});
