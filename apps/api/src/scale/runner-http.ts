/**
 * A runner process's own small HTTP endpoint (TESSERA_RUNNER_PORT): `/healthz` for the orchestrator (200
 * while the worker takes jobs, 503 once it drains), `/metrics` for Prometheus (generations by status,
 * wall time, runner events, generations running here), and for API nodes, which hold no model (`runner-calls.ts`):
 * `POST /embed-text`, a board search's text as CLIP sees it, and `POST /read-picture`, an uploaded picture (the
 * model's size squared × 3 RGB bytes, already decoded and resized by the API) as the model reads it. Runners serve
 * no other traffic; keep the port on a private network.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { float32ToBase64, isTesseraError } from "@tessera/shared";
import type { PictureReading, TextEmbedding } from "../generation/engine.ts";
import type { createMetrics } from "../http/metrics.ts";

/** A search text is at most a few hundred bytes of JSON. */
const EMBED_BODY_MAX_BYTES = 4096;
/** A picture is the model's size squared × 3 bytes: 49,152 at 128 px; room for a 512 px model. */
const PICTURE_BODY_MAX_BYTES = 512 * 512 * 3;

export async function startRunnerHttp(opts: {
  host: string;
  port: number;
  metrics: ReturnType<typeof createMetrics>;
  healthy(): boolean;
  active(): number;
  embedText?: (text: string) => Promise<TextEmbedding>;
  readPicture?: (rgb: Uint8Array) => Promise<PictureReading>;
}): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/embed-text" && req.method === "POST" && opts.embedText) {
      void embed(req, res, opts.embedText);
      return;
    }
    if (path === "/read-picture" && req.method === "POST" && opts.readPicture) {
      void readPicture(req, res, opts.readPicture);
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

/** The request's body, or null once it outgrows `max` bytes (the rest is not read). */
async function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function sender(res: ServerResponse) {
  return (status: number, body: unknown) =>
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** A failure as the API nodes read it: the caller's mistake (400, passed on) or this runner's (503, next one). */
function sendFailure(send: ReturnType<typeof sender>, e: unknown, fallback: string) {
  if (isTesseraError(e) && e.code === "BAD_USER_INPUT") return send(400, { code: e.code, message: e.message });
  send(503, { code: "RUNNER_UNAVAILABLE", message: isTesseraError(e) ? e.message : fallback });
}

async function embed(req: IncomingMessage, res: ServerResponse, embedText: (text: string) => Promise<TextEmbedding>) {
  const send = sender(res);
  try {
    const body = await readBody(req, EMBED_BODY_MAX_BYTES);
    if (!body) return send(400, { code: "BAD_USER_INPUT", message: "The request is too large." });
    let text: unknown;
    try {
      text = (JSON.parse(body.toString("utf8")) as { text?: unknown })?.text;
    } catch {
      return send(400, { code: "BAD_USER_INPUT", message: "The request body must be JSON." });
    }
    if (typeof text !== "string") return send(400, { code: "BAD_USER_INPUT", message: 'Send { "text": "…" }.' });
    const { embedding, tags, unknownWords } = await embedText(text);
    send(200, { embeddingBase64: float32ToBase64(embedding), tags, unknownWords });
  } catch (e) {
    sendFailure(send, e, "The text could not be read.");
  }
}

async function readPicture(
  req: IncomingMessage,
  res: ServerResponse,
  read: (rgb: Uint8Array) => Promise<PictureReading>,
) {
  const send = sender(res);
  try {
    const body = await readBody(req, PICTURE_BODY_MAX_BYTES);
    if (!body) return send(400, { code: "BAD_USER_INPUT", message: "The picture is too large." });
    // The runner checks the exact size (the model's size squared × 3) and says what it expects.
    const { tokens, png, embedding, tags } = await read(new Uint8Array(body));
    send(200, {
      tokens,
      pngBase64: Buffer.from(png).toString("base64"),
      embeddingBase64: float32ToBase64(embedding),
      tags,
    });
  } catch (e) {
    sendFailure(send, e, "The picture could not be read.");
  }
}
