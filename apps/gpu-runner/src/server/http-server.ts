import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type ErrorCode, float32ToBase64, isTesseraError, TesseraError } from "@tessera/shared";
import type { Runner } from "../runner.ts";
import { toWire } from "./wire-events.ts";

const MAX_BODY_BYTES = 64 * 1024;

const STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  QUEUE_FULL: 503,
  RUNNER_UNAVAILABLE: 503,
};

/**
 * The standalone runner's HTTP interface, for deployments that run runners as separate processes:
 * `POST /generate` streams NDJSON events (see wire-events.ts) and cancels when the client disconnects;
 * `POST /render` returns a PNG; `POST /embed-text` a search text's CLIP embedding (`{ embeddingBase64, tags,
 * unknownWords }`, the floats as in wire events); `GET /model`, `/stats` and `/healthz` return JSON. Errors are
 * `{ code, message }` with the shared error codes.
 */
export function createRunnerServer(runner: Runner): Server {
  return createServer((req, res) => {
    handle(runner, req, res).catch((e: unknown) => sendError(res, e));
  });
}

async function handle(runner: Runner, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const route = `${req.method} ${new URL(req.url ?? "/", "http://runner").pathname}`;
  switch (route) {
    case "GET /healthz":
      return sendJson(res, 200, { ok: true, model: { name: runner.model().name, version: runner.model().version } });
    case "GET /model":
      return sendJson(res, 200, runner.model());
    case "GET /stats":
      return sendJson(res, 200, runner.stats());
    case "POST /render": {
      const body = (await readJson(req)) as { tokens?: unknown };
      const png = await runner.renderPng(body?.tokens as number[]);
      res.writeHead(200, { "content-type": "image/png", "content-length": png.byteLength });
      res.end(png);
      return;
    }
    case "POST /embed-text": {
      const body = (await readJson(req)) as { text?: unknown };
      if (typeof body?.text !== "string") throw new TesseraError("BAD_USER_INPUT", 'Send { "text": "…" }.');
      const { embedding, tags, unknownWords } = await runner.embedText(body.text);
      return sendJson(res, 200, { embeddingBase64: float32ToBase64(embedding), tags, unknownWords });
    }
    case "POST /generate":
      return streamGeneration(runner, await readJson(req), res);
    default:
      throw new TesseraError("NOT_FOUND", `No route ${route}`);
  }
}

async function streamGeneration(runner: Runner, body: unknown, res: ServerResponse) {
  const controller = new AbortController();
  res.on("close", () => controller.abort());
  const events = runner.generate(body as never, { signal: controller.signal })[Symbol.asyncIterator]();
  // The first event is pulled before any header is sent, so a bad request still gets a 400.
  const first = await events.next();
  res.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-store" });
  if (!first.done) res.write(`${JSON.stringify(toWire(first.value))}\n`);
  // Keep pulling until the terminal event even after a disconnect (the abort turns it into `cancelled`),
  // so the generation is always settled; only write while the client is there.
  for (let next = await events.next(); !next.done; next = await events.next()) {
    if (res.destroyed) continue;
    if (!res.write(`${JSON.stringify(toWire(next.value))}\n`)) {
      await new Promise((resolve) => {
        res.once("drain", resolve);
        res.once("close", resolve);
      });
    }
  }
  res.end();
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new TesseraError("BAD_USER_INPUT", `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new TesseraError("BAD_USER_INPUT", "The request body must be JSON.");
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function sendError(res: ServerResponse, e: unknown): void {
  const error = isTesseraError(e) ? e : new TesseraError("INTERNAL");
  if (res.headersSent) {
    res.end(`${JSON.stringify({ type: "failed", code: error.code, message: error.message })}\n`);
    return;
  }
  sendJson(res, STATUS[error.code] ?? 500, { code: error.code, message: error.message });
}
