/** Prometheus metrics on their own registry (tests start several servers in one process). */
import client from "prom-client";

export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const m = {
    registry,
    httpRequests: new client.Counter({
      name: "tessera_http_requests_total",
      help: "HTTP requests",
      labelNames: ["route", "status"],
      registers: [registry],
    }),
    subscriptions: new client.Gauge({
      name: "tessera_graphql_subscriptions",
      help: "Open GraphQL subscriptions",
      registers: [registry],
    }),
    wsConnections: new client.Gauge({
      name: "tessera_graphql_ws_connections",
      help: "Open graphql-ws connections",
      registers: [registry],
    }),
    generations: new client.Counter({
      name: "tessera_generations_total",
      help: "Generations by final status",
      labelNames: ["status"],
      registers: [registry],
    }),
    generationSeconds: new client.Histogram({
      name: "tessera_generation_seconds",
      help: "Generation wall time",
      buckets: [0.5, 1, 2, 5, 10, 20, 60, 120],
      registers: [registry],
    }),
    runnerEvents: new client.Counter({
      name: "tessera_runner_events_total",
      help: "Runner events by type",
      labelNames: ["type"],
      registers: [registry],
    }),
    queueDepth: new client.Gauge({
      name: "tessera_generation_queue_depth",
      help: "Generations accepted and not finished",
      registers: [registry],
    }),
    yjsDocuments: new client.Gauge({
      name: "tessera_yjs_documents",
      help: "Open Yjs documents",
      registers: [registry],
    }),
    yjsConnections: new client.Gauge({
      name: "tessera_yjs_connections",
      help: "Open Yjs connections",
      registers: [registry],
    }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
