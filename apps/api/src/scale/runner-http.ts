/**
 * A runner process's own small HTTP endpoint (TESSERA_RUNNER_PORT): `/healthz` for the orchestrator (200
 * while the worker takes jobs, 503 once it drains), `/metrics` for Prometheus (generations by status,
 * wall time, runner events, generations running here), and `POST /embed-text` for API nodes, which hold no
 * model: a board search's text as CLIP sees it (`embed-text.ts`). Runners serve no other traffic.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { float32ToBase64, isTesseraError } from "@tessera/shared";
import type { TextEmbedding } from "../generation/engine.ts";
import type { createMetrics } from "../http/metrics.ts";

/** A search text is at most a few hundred bytes of JSON. */
const EMBED_BODY_MAX_BYTES = 4096;

export async function startRunnerHttp(opts: {
  host: string;
  port: number;
  metrics: ReturnType<typeof createMetrics>;
  healthy(): boolean;
  active(): number;
  embedText?: (text: string) => Promise<TextEmbedding>;
}): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/embed-text" && req.method === "POST" && opts.embedText) {
      void embed(req, res, opts.embedText);
      return;
    }
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

async function embed(req: IncomingMessage, res: ServerResponse, embedText: (text: string) => Promise<TextEmbedding>) {
  const send = (status: number, body: unknown) =>
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > EMBED_BODY_MAX_BYTES) {
        return send(400, { code: "BAD_USER_INPUT", message: "The request is too large." });
      }
      chunks.push(chunk as Buffer);
    }
    let text: unknown;
    try {
      text = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { text?: unknown })?.text;
    } catch {
      return send(400, { code: "BAD_USER_INPUT", message: "The request body must be JSON." });
    }
    if (typeof text !== "string") return send(400, { code: "BAD_USER_INPUT", message: 'Send { "text": "…" }.' });
    const { embedding, tags, unknownWords } = await embedText(text);
    send(200, { embeddingBase64: float32ToBase64(embedding), tags, unknownWords });
  } catch (e) {
    if (isTesseraError(e) && e.code === "BAD_USER_INPUT") return send(400, { code: e.code, message: e.message });
    send(503, { code: "RUNNER_UNAVAILABLE", message: isTesseraError(e) ? e.message : "The text could not be read." });
  }
}
