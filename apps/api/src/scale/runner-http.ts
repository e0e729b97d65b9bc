/**
 * A runner process's own small HTTP endpoint (TESSERA_RUNNER_PORT): `/healthz` for the orchestrator (200
 * while the worker takes jobs, 503 once it drains) and `/metrics` for Prometheus (generations by status,
 * wall time, runner events, generations running here). Runners serve no other traffic.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { createMetrics } from "../http/metrics.ts";

export async function startRunnerHttp(opts: {
  host: string;
  port: number;
  metrics: ReturnType<typeof createMetrics>;
  healthy(): boolean;
  active(): number;
}): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") {
      const ok = opts.healthy();
      res.writeHead(ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify({ ok }));
      return;
    }
    if (path === "/metrics") {
      opts.metrics.queueDepth.set(opts.active());
      opts.metrics.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": opts.metrics.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("Not found.");
  });
  await new Promise<void>((r) => server.listen(opts.port, opts.host, r));
  return { server, port: (server.address() as AddressInfo).port };
}
