/**
 * The API node's view of the engine when runners are separate processes: the model the runners serve
 * (each runner writes it to Redis at start; the node re-reads it every few seconds), no generation of its
 * own — jobs go through the queue — and no rendering: runners store every candidate's PNG with the
 * candidate, so an API node never has to decode tokens. A search's text goes to a runner over HTTP.
 */
import { TesseraError } from "@tessera/shared";
import type { Redis } from "ioredis";
import type { EngineModelInfo, GenerationEngine } from "../generation/engine.ts";
import { remoteEmbedText, remoteReadPicture } from "./runner-calls.ts";

export interface RemoteEngine extends GenerationEngine {
  /** Re-reads the model key; true when a runner has registered one. */
  refresh(): Promise<boolean>;
}

export async function createRemoteEngine(
  redis: Redis,
  modelKey: string,
  refreshMs = 5000,
  /**
   * Where runners announce the URLs that read search texts and uploaded pictures (`runner-calls.ts`); without
   * it, search and uploads are unavailable.
   */
  embeddersKey?: string,
): Promise<RemoteEngine> {
  let info: EngineModelInfo | null = null;
  let patches = "";
  let sprites: Uint8Array | null = null;
  let spritesBase64: string | null = null;
  const refresh = async () => {
    const raw = await redis.get(modelKey).catch(() => null);
    if (raw) {
      const { tokenPatches, conceptSprites, ...model } = JSON.parse(raw) as AnnouncedModel;
      info = model;
      patches = tokenPatches;
      if (conceptSprites !== spritesBase64) {
        spritesBase64 = conceptSprites ?? null;
        sprites = spritesBase64 ? new Uint8Array(Buffer.from(spritesBase64, "base64")) : null;
      }
    }
    return info !== null;
  };
  await refresh();
  const timer = setInterval(() => void refresh(), refreshMs).unref();
  const noRunner = () =>
    new TesseraError("RUNNER_UNAVAILABLE", "No image runner has registered yet; start one with `npm run runner`.");
  return {
    refresh,
    model() {
      if (!info) throw noRunner();
      return info;
    },
    async tokenPatches() {
      if (!info) throw noRunner();
      return patches;
    },
    async conceptSprites() {
      if (!info) throw noRunner();
      return sprites;
    },
    generate() {
      throw new Error("a remote engine does not generate: jobs go through the queue");
    },
    async embedText(text) {
      if (!info) throw noRunner();
      if (!embeddersKey)
        throw new TesseraError("RUNNER_UNAVAILABLE", "This node can't reach a runner to read searches.");
      return remoteEmbedText(redis, embeddersKey, text);
    },
    async renderPng() {
      throw new TesseraError("RUNNER_UNAVAILABLE", "This image has no stored PNG and API nodes do not render.");
    },
    async describeGrids() {
      throw new TesseraError("RUNNER_UNAVAILABLE", "API nodes hold no model: runner processes describe images.");
    },
    async readPicture(rgb) {
      if (!info) throw noRunner();
      if (!embeddersKey)
        throw new TesseraError("RUNNER_UNAVAILABLE", "This node can't reach a runner to read pictures.");
      return remoteReadPicture(redis, embeddersKey, rgb);
    },
    inFlight: () => 0,
    async close() {
      clearInterval(timer);
    },
  };
}

/**
 * What a runner announces: the runner library's model info, as the API exposes it, with the token patches and
 * the concept sprite sheet (both base64).
 */
type AnnouncedModel = EngineModelInfo & { tokenPatches: string; conceptSprites?: string | null };

export async function announceModel(redis: Redis, modelKey: string, engine: GenerationEngine): Promise<void> {
  const sprites = await engine.conceptSprites();
  const announced: AnnouncedModel = {
    ...engine.model(),
    tokenPatches: await engine.tokenPatches(),
    conceptSprites: sprites ? Buffer.from(sprites).toString("base64") : null,
  };
  await redis.set(modelKey, JSON.stringify(announced));
}
