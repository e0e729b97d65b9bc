/**
 * The model calls API nodes make when scaled out: they hold no model, so a search's text (issue 17 item 1) and
 * an uploaded picture (item 3) go to a runner process. Each runner with an HTTP port (TESSERA_RUNNER_PORT)
 * serves `POST /embed-text` and `POST /read-picture` (`runner-http.ts`) and keeps its URL fresh in a Redis hash
 * (URL → last announced, ms); an API node picks a fresh one at random and tries the next when one does not
 * answer. Each call is one short run of a small model (a text embedding ~2 ms, a picture's encoder, decoder and
 * CLIP vision pass tens of ms), so any runner will do — they all serve the same bundle.
 */
import { bytesFromBase64, float32FromBase64, isTesseraError, TesseraError } from "@tessera/shared";
import type { Redis } from "ioredis";
import type { PictureReading, TextEmbedding } from "../generation/engine.ts";

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

/**
 * Asks the announced runners in turn; the caller's own mistake (BAD_USER_INPUT) is passed back at once,
 * RUNNER_UNAVAILABLE (saying `what` needed a runner) when none answers.
 */
async function askRunners<T>(redis: Redis, key: string, what: string, ask: (url: string) => Promise<T>): Promise<T> {
  const urls = await freshEmbedders(redis, key);
  let lastError = "no runner has announced an HTTP port (start runners with TESSERA_RUNNER_PORT)";
  for (const url of urls) {
    try {
      return await ask(url);
    } catch (e) {
      if (isTesseraError(e) && e.code === "BAD_USER_INPUT") throw e;
      lastError = `${url}: ${(e as Error).message}`;
    }
  }
  throw new TesseraError("RUNNER_UNAVAILABLE", `${what} needs a runner, and ${lastError}.`);
}

/** A search's text as CLIP sees it, from a runner. */
export function remoteEmbedText(redis: Redis, key: string, text: string): Promise<TextEmbedding> {
  return askRunners(redis, key, "Search", async (url) => {
    const body = await post<{ embeddingBase64?: string; tags?: string[]; unknownWords?: string[] }>(
      `${url}/embed-text`,
      { "content-type": "application/json" },
      JSON.stringify({ text }),
      "The search text was refused.",
    );
    if (typeof body.embeddingBase64 !== "string") throw new Error("answered without an embedding");
    return {
      embedding: float32FromBase64(body.embeddingBase64),
      tags: body.tags ?? [],
      unknownWords: body.unknownWords ?? [],
    };
  });
}

/** An uploaded picture (the model's size squared × 3 RGB bytes) as the model reads it, from a runner. */
export function remoteReadPicture(redis: Redis, key: string, rgb: Uint8Array): Promise<PictureReading> {
  return askRunners(redis, key, "Starting from a picture", async (url) => {
    const body = await post<{ tokens?: number[]; pngBase64?: string; embeddingBase64?: string; tags?: string[] }>(
      `${url}/read-picture`,
      { "content-type": "application/octet-stream" },
      rgb,
      "The picture was refused.",
    );
    if (!Array.isArray(body.tokens) || typeof body.pngBase64 !== "string" || typeof body.embeddingBase64 !== "string")
      throw new Error("answered without the picture's codes, PNG and embedding");
    return {
      tokens: body.tokens,
      png: bytesFromBase64(body.pngBase64),
      embedding: float32FromBase64(body.embeddingBase64),
      tags: body.tags ?? [],
    };
  });
}

/** One request to a runner: its JSON answer, BAD_USER_INPUT (with its message) on a 400, else an Error. */
async function post<T>(url: string, headers: Record<string, string>, body: string | Uint8Array, refused: string) {
  const res = await fetch(url, {
    method: "POST",
    headers,
    body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const answer = (await res.json().catch(() => null)) as (T & { message?: string }) | null;
  if (res.status === 400) throw new TesseraError("BAD_USER_INPUT", answer?.message ?? refused);
  if (!res.ok || !answer) throw new Error(answer?.message ?? `answered ${res.status}`);
  return answer;
}
