/**
 * Search and uploads scaled out (issue 17 items 1 and 3): API nodes hold no model, so a search's text is embedded,
 * and an uploaded picture read, by a runner process over its HTTP port (`scale/runner-http.ts`), found through
 * the URLs runners announce in Redis
 * (`scale/runner-calls.ts`). Real runner (the shipped model), real Redis, real HTTP: the remote embedding is the
 * in-process one bit for bit; a dead or stale runner URL is skipped; bad text is the caller's error; with no
 * runner left, RUNNER_UNAVAILABLE says what to do.
 */
import { randomBytes } from "node:crypto";
import { createServer as createHttpServer, type Server } from "node:http";
import { type AddressInfo, createServer } from "node:net";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { createInProcessEngine, type GenerationEngine } from "../src/generation/engine.ts";
import { createMetrics } from "../src/http/metrics.ts";
import { connectRedis, deletePrefix, redisKeys } from "../src/scale/redis.ts";
import { announceModel, createRemoteEngine, type RemoteEngine } from "../src/scale/remote-engine.ts";
import { announceEmbedder } from "../src/scale/runner-calls.ts";
import { startRunnerHttp } from "../src/scale/runner-http.ts";
import { REDIS_URL } from "./scale-harness.ts";

const prefix = `tessera-test-${randomBytes(4).toString("hex")}`;
const keys = redisKeys(prefix);
let redis: Redis;
let engine: GenerationEngine;
let http: { server: Server; port: number };
let remote: RemoteEngine;
let embedder: { stop(): Promise<void> };

beforeAll(async () => {
  redis = connectRedis(REDIS_URL, { mode: "fail-fast" });
  engine = await createInProcessEngine({
    modelDir: loadConfig({ ...process.env, LOG_LEVEL: "silent" }).TESSERA_MODEL_DIR,
    executionProviders: ["cpu"],
  });
  http = await startRunnerHttp({
    host: "127.0.0.1",
    port: 0,
    metrics: createMetrics(),
    healthy: () => true,
    active: () => 0,
    embedText: (text) => engine.embedText(text),
    readPicture: (rgb) => engine.readPicture(rgb),
  });
  await announceModel(redis, keys.model, engine);
  remote = await createRemoteEngine(redis, keys.model, 60_000, keys.embedders);
}, 60_000);
afterAll(async () => {
  await embedder?.stop();
  await remote?.close();
  http?.server.close();
  await engine?.close();
  await deletePrefix(redis, prefix);
  redis?.disconnect();
});

it("has no runner to ask before one announces itself: RUNNER_UNAVAILABLE, saying how to start one", async () => {
  await expect(remote.embedText("blue")).rejects.toMatchObject({
    code: "RUNNER_UNAVAILABLE",
    message: expect.stringMatching(/TESSERA_RUNNER_PORT/),
  });
});

it("embeds a search on an announced runner exactly as in-process, skipping dead and stale URLs", async () => {
  embedder = announceEmbedder(redis, keys.embedders, `http://127.0.0.1:${http.port}`);
  // A runner that died without saying so (fresh, nothing listening) and one that stopped announcing long ago.
  const dead = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
  await redis.hset(keys.embedders, `http://127.0.0.1:${dead}`, String(Date.now()));
  // One that stopped announcing long ago is never asked, though it still answers (its hits are counted).
  let staleHits = 0;
  const stale = createHttpServer((_, res) => {
    staleHits++;
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => stale.listen(0, "127.0.0.1", resolve));
  const staleUrl = `http://127.0.0.1:${(stale.address() as AddressInfo).port}`;
  await redis.hset(keys.embedders, staleUrl, String(Date.now() - 60 * 60_000));
  for (const text of ["蓝色", "something red in the top left"]) {
    const [local, far] = await Promise.all([engine.embedText(text), remote.embedText(text)]);
    expect(far.embedding).toEqual(local.embedding);
    expect(far.tags).toEqual(local.tags);
    expect(far.unknownWords).toEqual(local.unknownWords);
  }
  expect((await remote.embedText("something red in the top left")).tags).toEqual(["red", "top left"]);
  expect(staleHits).toBe(0);
  stale.close();
}, 30_000);

it("passes the runner's refusal of a bad text back as the caller's error", async () => {
  await expect(remote.embedText("x".repeat(101))).rejects.toMatchObject({
    code: "BAD_USER_INPUT",
    message: expect.stringMatching(/limited to 100 characters/),
  });
  const res = await fetch(`http://127.0.0.1:${http.port}/embed-text`, { method: "POST", body: "{" });
  expect(res.status).toBe(400);
});

it("reads an uploaded picture on an announced runner exactly as in-process; a wrong size is the caller's error", async () => {
  const size = engine.model().imageSize;
  const rgb = new Uint8Array(size * size * 3);
  for (let p = 0; p < size * size; p++) rgb.set([200, (p % size) * 2, 40], p * 3); // a red-to-yellow ramp
  const [local, far] = await Promise.all([engine.readPicture(rgb), remote.readPicture(rgb)]);
  expect(far.tokens).toEqual(local.tokens);
  expect(Buffer.from(far.png).equals(Buffer.from(local.png))).toBe(true);
  expect(far.embedding).toEqual(local.embedding);
  expect(far.tags).toEqual(local.tags);
  await expect(remote.readPicture(new Uint8Array(10))).rejects.toMatchObject({
    code: "BAD_USER_INPUT",
    message: expect.stringMatching(/must be 128×128 RGB/),
  });
  const huge = await fetch(`http://127.0.0.1:${http.port}/read-picture`, {
    method: "POST",
    body: new Uint8Array(512 * 512 * 3 + 1),
  });
  expect(huge.status).toBe(400);
}, 30_000);

it("forgets a runner that stops: RUNNER_UNAVAILABLE once none is left", async () => {
  await embedder.stop();
  await redis.del(keys.embedders);
  await expect(remote.embedText("blue")).rejects.toMatchObject({ code: "RUNNER_UNAVAILABLE" });
  await expect(remote.readPicture(new Uint8Array(128 * 128 * 3))).rejects.toMatchObject({
    code: "RUNNER_UNAVAILABLE",
  });
});
