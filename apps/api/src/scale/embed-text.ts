/**
 * Search text embeddings when scaled out (issue 17 item 1). API nodes hold no model, so a search asks a runner
 * process: each runner with an HTTP port (TESSERA_RUNNER_PORT) serves `POST /embed-text` (`runner-http.ts`)
 * and keeps its URL fresh in a Redis hash (URL → last announced, ms); an API node picks a fresh one at random
 * and tries the next when one does not answer. A text embedding is one run of CLIP's small text model
 * (~2 ms), so any runner will do — they all serve the same bundle.
 */
import { float32FromBase64, isTesseraError, TesseraError } from "@tessera/shared";
import type { Redis } from "ioredis";
import type { TextEmbedding } from "../generation/engine.ts";

/** How often a runner re-announces its URL; a URL not announced for 3 periods is not asked. */
export const EMBEDDER_ANNOUNCE_MS = 5000;
const STALE_AFTER_MS = 3 * EMBEDDER_ANNOUNCE_MS;
const REQUEST_TIMEOUT_MS = 5000;

/** Announces `url` now and every EMBEDDER_ANNOUNCE_MS until stopped (which removes it). */
export function announceEmbedder(redis: Redis, key: string, url: string): { stop(): Promise<void> } {
  const announce = () => redis.hset(key, url, String(Date.now())).catch(() => {});
  void announce();
  const timer = setInterval(announce, EMBEDDER_ANNOUNCE_MS).unref();
  return {
    async stop() {
      clearInterval(timer);
      await redis.hdel(key, url).catch(() => {});
    },
  };
}

/** The runners' URLs announced lately, in random order (spreads searches over them). */
async function freshEmbedders(redis: Redis, key: string): Promise<string[]> {
  const all = await redis.hgetall(key);
  const now = Date.now();
  const fresh = Object.entries(all)
    .filter(([, at]) => now - Number(at) < STALE_AFTER_MS)
    .map(([url]) => url);
  for (let i = fresh.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [fresh[i], fresh[j]] = [fresh[j]!, fresh[i]!];
  }
  return fresh;
}

/** Asks the announced runners in turn; RUNNER_UNAVAILABLE when none answers. */
export async function remoteEmbedText(redis: Redis, key: string, text: string): Promise<TextEmbedding> {
  const urls = await freshEmbedders(redis, key);
  let lastError = "no runner has announced an HTTP port (start runners with TESSERA_RUNNER_PORT)";
  for (const url of urls) {
    try {
      return await embedAt(url, text);
    } catch (e) {
      if (isTesseraError(e) && e.code === "BAD_USER_INPUT") throw e;
      lastError = `${url}: ${(e as Error).message}`;
    }
  }
  throw new TesseraError("RUNNER_UNAVAILABLE", `Search needs a runner to read the text, and ${lastError}.`);
}

async function embedAt(url: string, text: string): Promise<TextEmbedding> {
  const res = await fetch(`${url}/embed-text`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ text }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const body = (await res.json().catch(() => null)) as {
    embeddingBase64?: string;
    tags?: string[];
    unknownWords?: string[];
    code?: string;
    message?: string;
  } | null;
  if (res.status === 400) throw new TesseraError("BAD_USER_INPUT", body?.message ?? "The search text was refused.");
  if (!res.ok || typeof body?.embeddingBase64 !== "string") {
    throw new Error(body?.message ?? `answered ${res.status}`);
  }
  return {
    embedding: float32FromBase64(body.embeddingBase64),
    tags: body.tags ?? [],
    unknownWords: body.unknownWords ?? [],
  };
}
