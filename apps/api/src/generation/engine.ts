/**
 * The seam between the API and image generation: a queue plus one event stream per generation. The
 * in-process implementation wraps the runner library (its ONNX work runs in a worker thread, off the main
 * thread; it has its own bounded queue and continuous batching). Scaled out (REDIS_URL), API nodes use
 * `scale/remote-engine.ts` (model info announced by the runner processes, which run this one).
 */
import { availableParallelism } from "node:os";
import type { ImageDescription, PictureReading } from "@tessera/gpu-runner";
import type { GenerationRequestInput, RunnerEvent } from "@tessera/shared";
import { base64Of } from "./to-gql-event.ts";

export interface EngineModelInfo {
  name: string;
  version: string;
  imageSize: number;
  gridRows: number;
  gridCols: number;
  codebookSize: number;
  maxPromptTokens: number;
  vocabulary: string[];
  concepts: EngineConcept[];
  conceptSpriteSize: number;
  conceptSpriteColumns: number;
  defaults: { n: number; temperature: number; topK: number; topP: number; guidanceScale: number };
}

export interface EngineConcept {
  index: number;
  label: string;
  zh: string;
  emoji: string;
  group: string;
  synonyms: string[];
  zhSynonyms: string[];
}

/** A search text as CLIP sees it: its L2-normalised embedding, the tags it names, words the model never saw. */
export interface TextEmbedding {
  embedding: Float32Array;
  tags: string[];
  unknownWords: string[];
}

export type { ImageDescription, PictureReading } from "@tessera/gpu-runner";

export interface GenerationEngine {
  model(): EngineModelInfo;
  /**
   * CLIP's text embedding of a search (issue 17 item 1), comparable with the image embeddings stored with
   * candidates of the same model. BAD_USER_INPUT for an empty or oversized text.
   */
  embedText(text: string): Promise<TextEmbedding>;
  /** Events end with exactly one of finished / failed / cancelled. Aborting `signal` cancels. */
  generate(request: GenerationRequestInput, opts: { signal: AbortSignal }): AsyncIterable<RunnerEvent>;
  renderPng(tokens: number[]): Promise<Uint8Array>;
  /**
   * A picture (the model's size squared × 3 RGB bytes) as the model reads it (uploads): image codes from the
   * VQ encoder, the PNG they decode to, and that image's CLIP embedding and tags, as a candidate has them.
   */
  readPicture(rgb: Uint8Array): Promise<PictureReading>;
  /**
   * Stored token grids (up to 32) as CLIP sees them: each image's embedding and tags, as candidates are stored
   * with them today (`search/backfill-embeddings.ts`). Only an engine that holds the model answers.
   */
  describeGrids(grids: number[][]): Promise<ImageDescription[]>;
  /**
   * What each image code looks like, one grid cell of RGB per code (the runner's `tokenPatches()`), in
   * base64 as the API serves it.
   */
  tokenPatches(): Promise<string>;
  /** The bundle's concept sprite sheet (PNG), or null when it ships none. */
  conceptSprites(): Promise<Uint8Array | null>;
  /** Generations accepted and not yet finished. */
  inFlight(): number;
  close(): Promise<void>;
}

/** How far below the API's event loop the in-process model runs (nice steps; see createInProcessEngine). */
export const IN_PROCESS_ENGINE_NICENESS = 10;

export async function createInProcessEngine(opts: {
  modelDir: string;
  executionProviders: string[];
  /** ONNX Runtime intra-op threads (default: all cores but one). */
  threads?: number;
}): Promise<GenerationEngine> {
  // Imported lazily so the API (and its tests) can start without loading onnxruntime until needed.
  const { Runner } = await import("@tessera/gpu-runner");
  const runner = await Runner.create({
    modelDir: opts.modelDir,
    executionProviders: opts.executionProviders,
    // One core stays with the event loop: in-process, the model and the fan-out to watchers share the
    // machine, and a model on every core made each step's events wait for it (bench:api).
    intraOpThreads: opts.threads ?? Math.max(1, availableParallelism() - 1),
    // In-process, ONNX Runtime's spinning threads would take the cores the event loop needs to fan events
    // out to subscribers (bench:api); TESSERA_SPIN_WAIT=1 turns spinning back on.
    ...(process.env.TESSERA_SPIN_WAIT?.trim() ? {} : { spinWait: false }),
    // The model runs below the event loop's CPU priority (nice +10, Linux): when both want the cores, a
    // step waits a little rather than every watcher's events waiting for it (bench:api: p99 fan-out
    // latency). TESSERA_ENGINE_NICE=0 gives the model equal priority.
    ...(process.env.TESSERA_ENGINE_NICE?.trim() ? {} : { niceness: IN_PROCESS_ENGINE_NICENESS }),
    // And under SCHED_IDLE where Linux allows it, so a waking event loop takes a core from the model at once
    // instead of after the model's slice (bench:api: p99 44 → 32 ms, median of 8 interleaved pairs).
    // TESSERA_ENGINE_IDLE=0 keeps the normal policy.
    ...(process.env.TESSERA_ENGINE_IDLE?.trim() ? {} : { idleScheduling: true }),
  });
  return {
    model: () => runner.model() as EngineModelInfo,
    generate: (request, { signal }) => runner.generate(request, { signal }),
    renderPng: (tokens) => runner.renderPng(tokens),
    readPicture: (rgb) => runner.readPicture(rgb),
    describeGrids: (grids) => runner.describeGrids(grids),
    embedText: (text) => runner.embedText(text),
    // The runner keeps one array, so it is encoded once.
    tokenPatches: async () => base64Of(await runner.tokenPatches()),
    conceptSprites: async () => runner.conceptSprites(),
    inFlight: () => runner.stats().inFlight,
    close: () => runner.close(),
  };
}
