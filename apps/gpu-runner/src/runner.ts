import { randomUUID } from "node:crypto";
import { Worker } from "node:worker_threads";
import {
  type BundleConceptList,
  type BundleManifest,
  type GenerationRequestInput,
  isTerminalEvent,
  type RunnerEvent,
  type SamplingDefaults,
  searchTextSchema,
  type TagWord,
  TesseraError,
  tagsNamedIn,
} from "@tessera/shared";
import { reviveBundleError } from "./bundle/bundle-error.ts";
import type { BundleKnowledge } from "./bundle/read-knowledge.ts";
import { type RunnerOptions, resolveOptions } from "./config.ts";
import type { SchedulerStats } from "./engine/scheduler.ts";
import { EventChannel } from "./event-channel.ts";
import { tagWordsOf } from "./render/tagger.ts";
import { buildJob } from "./request.ts";
import { type EncodedPrompt, PromptEncoder } from "./text/prompt-encoder.ts";
import type { FromWorker, ImageDescription, PictureReading, ToWorker, WorkerInit } from "./worker/protocol.ts";

export interface ModelInfo {
  name: string;
  version: string;
  imageSize: number;
  gridRows: number;
  gridCols: number;
  codebookSize: number;
  maxPromptTokens: number;
  vocabulary: string[];
  /** What the model can draw (labels, Chinese labels, synonyms, a sprite each); empty for older bundles. */
  concepts: BundleConceptList["concepts"];
  /** Side of one concept sprite and the sprite sheet's columns; 0 when the bundle has no sheet. */
  conceptSpriteSize: number;
  conceptSpriteColumns: number;
  defaults: SamplingDefaults;
}

/** A search text's CLIP embedding, the tags it names, and its words the model never saw. */
export interface TextEmbedding {
  embedding: Float32Array;
  tags: string[];
  unknownWords: string[];
}

export interface RunnerStats extends SchedulerStats {
  /** Generations accepted by `generate` and not yet finished (waiting or decoding). */
  inFlight: number;
}

const WORKER_URL = new URL("./worker/entry.mjs", import.meta.url);

/**
 * Tessera's engine as a library. The ONNX sessions and the continuous-batching scheduler live in a worker
 * thread; this class validates requests, tokenises prompts and turns the worker's messages into one
 * `AsyncIterable<RunnerEvent>` per generation.
 */
const emittedAt = new WeakMap<RunnerEvent, number>();

/**
 * When the engine emitted `event` (performance.timeOrigin + performance.now() in the engine's thread), for
 * latency measurements that must include the time the event waited for the caller's thread.
 */
export function eventEmittedAt(event: RunnerEvent): number | undefined {
  return emittedAt.get(event);
}

export class Runner {
  private readonly streams = new Map<string, EventChannel<RunnerEvent>>();
  private readonly renders = new Map<number, { resolve: (png: Uint8Array) => void; reject: (e: Error) => void }>();
  private readonly textEmbeds = new Map<
    number,
    { resolve: (embedding: Float32Array) => void; reject: (e: Error) => void }
  >();
  private readonly descriptions = new Map<
    number,
    { resolve: (d: ImageDescription[]) => void; reject: (e: Error) => void }
  >();
  private readonly pictures = new Map<
    number,
    { resolve: (reading: PictureReading) => void; reject: (e: Error) => void }
  >();
  private nextRenderId = 1;
  private patchesRequest: {
    promise: Promise<Uint8Array>;
    settle: (patches?: Uint8Array, error?: Error) => void;
  } | null = null;
  private lastStats: SchedulerStats = { queued: 0, activeJobs: 0, activeRows: 0, lastStepMs: 0 };
  private closing: Promise<void> | null = null;
  private exited = false;

  /** What candidates can be tagged with (`render/tagger.ts`), to tell which tags a search text names. */
  private readonly tagWords: TagWord[];

  private constructor(
    private readonly worker: Worker,
    private readonly manifest: BundleManifest,
    private readonly encoder: PromptEncoder,
    private readonly knowledge: BundleKnowledge,
    readonly options: RunnerOptions,
  ) {
    this.tagWords = tagWordsOf(knowledge.concepts);
    worker.on("message", (msg: FromWorker) => this.onMessage(msg));
    worker.on("error", (e) => this.failEverything(`The runner's engine crashed: ${e.message}`));
    worker.on("exit", () => {
      this.exited = true;
      this.failEverything("The runner's engine stopped.");
    });
  }

  /** Loads and verifies the bundle in a worker; rejects with BundleError when it can't be used. */
  static async create(partial: Partial<RunnerOptions> = {}): Promise<Runner> {
    const options = resolveOptions(partial);
    const init: WorkerInit = {
      modelDir: options.modelDir,
      executionProviders: options.executionProviders,
      intraOpThreads: options.intraOpThreads,
      spinWait: options.spinWait,
      niceness: options.niceness,
      idleScheduling: options.idleScheduling,
      maxBatchRows: options.maxBatchRows,
      previewEveryRows: options.previewEveryRows,
    };
    const worker = new Worker(WORKER_URL, { workerData: init });
    const first = await new Promise<FromWorker>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.once("exit", (code) =>
        reject(new TesseraError("RUNNER_UNAVAILABLE", `The runner's engine exited during start-up (code ${code}).`)),
      );
    });
    if (first.type !== "ready") {
      await worker.terminate();
      if (first.type === "initError") {
        const { error } = first;
        if (error.code === "BUNDLE_INVALID")
          throw reviveBundleError(options.modelDir, error.file ?? null, error.message);
        throw new TesseraError("BUNDLE_INVALID", error.message);
      }
      throw new TesseraError("RUNNER_UNAVAILABLE", `unexpected first message from the engine: ${first.type}`);
    }
    const { manifest, tokenizerJson, knowledge } = first;
    const encoder = new PromptEncoder(tokenizerJson, manifest, knowledge.vocabulary);
    return new Runner(worker, manifest, encoder, knowledge, options);
  }

  model(): ModelInfo {
    const m = this.manifest;
    return {
      name: m.name,
      version: m.version,
      imageSize: m.image.size,
      gridRows: m.grid.rows,
      gridCols: m.grid.cols,
      codebookSize: m.codebookSize,
      maxPromptTokens: m.text.maxTokens - 2,
      vocabulary: [...this.encoder.vocabulary],
      concepts: this.knowledge.concepts?.concepts ?? [],
      conceptSpriteSize: this.knowledge.sprites ? (this.knowledge.concepts?.spriteSize ?? 0) : 0,
      conceptSpriteColumns: this.knowledge.sprites ? (this.knowledge.concepts?.spriteColumns ?? 0) : 0,
      defaults: { ...m.sampling },
    };
  }

  /** The concept sprite sheet (PNG) the bundle ships, or null. */
  conceptSprites(): Uint8Array | null {
    return this.knowledge.sprites;
  }

  /** The manifest of the loaded bundle (read-only). */
  bundleManifest(): BundleManifest {
    return this.manifest;
  }

  tokenize(prompt: string): EncodedPrompt {
    return this.encoder.encode(prompt);
  }

  stats(): RunnerStats {
    return { ...this.lastStats, inFlight: this.streams.size };
  }

  /**
   * Streams one generation. Bad input rejects the first `next()` with TesseraError BAD_USER_INPUT (nothing
   * is queued); runtime failures arrive as a `failed` event. Aborting the signal, or leaving the loop
   * early, cancels the generation at the next step and frees its batch rows.
   */
  generate(request: GenerationRequestInput, opts: { signal?: AbortSignal } = {}): AsyncIterable<RunnerEvent> {
    return this.stream(request, opts.signal);
  }

  private async *stream(request: GenerationRequestInput, signal?: AbortSignal): AsyncGenerator<RunnerEvent> {
    if (this.closing || this.exited) throw new TesseraError("RUNNER_UNAVAILABLE", "The runner is shut down.");
    const id = randomUUID();
    const { spec, request: parsed, unknownWords } = buildJob(id, request, this.manifest, this.encoder);
    if (this.streams.size >= this.options.maxQueuedRequests) throw new TesseraError("QUEUE_FULL");
    const channel = new EventChannel<RunnerEvent>();
    this.streams.set(id, channel);
    const onAbort = () => this.send({ type: "cancel", id });
    let terminal = false;
    try {
      yield {
        type: "started",
        n: parsed.n,
        rows: this.manifest.grid.rows,
        cols: this.manifest.grid.cols,
        unknownWords,
        model: { name: this.manifest.name, version: this.manifest.version },
      };
      this.send({ type: "submit", spec });
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
      while (!terminal) {
        const event = await channel.next();
        terminal = isTerminalEvent(event);
        yield event;
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.streams.delete(id);
      // The consumer stopped early (break/return/throw): free the rows.
      if (!terminal) this.send({ type: "cancel", id });
    }
  }

  /** BAD_USER_INPUT unless `tokens` is a whole grid of this model's codes. */
  private gridError(tokens: unknown): TesseraError | null {
    const { rows, cols } = this.manifest.grid;
    if (
      !Array.isArray(tokens) ||
      tokens.length !== rows * cols ||
      tokens.some((t) => !Number.isInteger(t) || t < 0 || t >= this.manifest.codebookSize)
    ) {
      return new TesseraError(
        "BAD_USER_INPUT",
        `tokens must be ${rows * cols} codes in [0, ${this.manifest.codebookSize})`,
      );
    }
    return null;
  }

  /** Decodes a finished token grid (rows·cols codes) to PNG bytes. */
  renderPng(tokens: number[]): Promise<Uint8Array> {
    const bad = this.gridError(tokens);
    if (bad) return Promise.reject(bad);
    if (this.closing || this.exited) return Promise.reject(new TesseraError("RUNNER_UNAVAILABLE"));
    const requestId = this.nextRenderId++;
    return new Promise((resolve, reject) => {
      this.renders.set(requestId, { resolve, reject });
      this.send({ type: "render", requestId, tokens });
    });
  }

  /**
   * A search text as CLIP's text model sees it (issue 17 item 1): its L2-normalised embedding (clip.embedDim
   * floats, comparable with every candidate's stored image embedding by a dot product), and the tags it names
   * (`tagsNamedIn`: "something red" names the colour tag "red", "蓝色" names "blue"). The text is validated
   * like a search (`searchTextSchema`, not empty): BAD_USER_INPUT otherwise. Chinese works as in prompts.
   */
  embedText(text: string): Promise<TextEmbedding> {
    const parsed = searchTextSchema.safeParse(text);
    if (!parsed.success) {
      return Promise.reject(new TesseraError("BAD_USER_INPUT", parsed.error.issues.map((i) => i.message).join("; ")));
    }
    if (parsed.data === "") return Promise.reject(new TesseraError("BAD_USER_INPUT", "Type something to search for."));
    if (this.closing || this.exited) return Promise.reject(new TesseraError("RUNNER_UNAVAILABLE"));
    const { ids, unknownWords } = this.encoder.encode(parsed.data);
    const tags = tagsNamedIn(parsed.data, this.tagWords);
    const requestId = this.nextRenderId++;
    return new Promise<Float32Array>((resolve, reject) => {
      this.textEmbeds.set(requestId, { resolve, reject });
      this.send({ type: "embedText", requestId, ids });
    }).then((embedding) => ({ embedding, tags, unknownWords }));
  }

  /**
   * A picture as the model reads it (issue 17 item 3): `rgb` is the model's size squared × 3 bytes (the API
   * decodes and resizes uploads with sharp first). The VQ encoder gives rows·cols codes, which the prior can
   * complete from their top rows like any candidate's; with them come the PNG they decode to and that image's
   * CLIP embedding and tags, so an uploaded picture is shown, stored and searched like a generated one.
   */
  readPicture(rgb: Uint8Array): Promise<PictureReading> {
    const size = this.manifest.image.size;
    if (!(rgb instanceof Uint8Array) || rgb.length !== size * size * 3) {
      return Promise.reject(
        new TesseraError("BAD_USER_INPUT", `A picture must be ${size}×${size} RGB (${size * size * 3} bytes).`),
      );
    }
    if (this.closing || this.exited) return Promise.reject(new TesseraError("RUNNER_UNAVAILABLE"));
    const requestId = this.nextRenderId++;
    return new Promise((resolve, reject) => {
      this.pictures.set(requestId, { resolve, reject });
      this.send({ type: "readPicture", requestId, rgb, size });
    });
  }

  /**
   * Stored token grids (up to 32) as CLIP sees them: each image's embedding and tags, as a candidate finished
   * today is stored with them. Candidates stored before search existed get theirs this way (a backfill).
   */
  describeGrids(grids: number[][]): Promise<ImageDescription[]> {
    if (!Array.isArray(grids) || grids.length === 0 || grids.length > 32) {
      return Promise.reject(new TesseraError("BAD_USER_INPUT", "Describe 1 to 32 grids at a time."));
    }
    for (const g of grids) {
      const bad = this.gridError(g);
      if (bad) return Promise.reject(bad);
    }
    if (this.closing || this.exited) return Promise.reject(new TesseraError("RUNNER_UNAVAILABLE"));
    const requestId = this.nextRenderId++;
    return new Promise((resolve, reject) => {
      this.descriptions.set(requestId, { resolve, reject });
      this.send({ type: "describeGrids", requestId, grids });
    });
  }

  /**
   * What each image code looks like as the VQ decoder paints it (`render/token-patches.ts`): per code, one
   * grid cell of RGB pixels, what a browser paints a token with before a decoded preview exists. Computed
   * by the engine on the first call (~0.5 s for tessera-tiny, giving way to generations), then kept.
   */
  tokenPatches(): Promise<Uint8Array> {
    if (this.closing || this.exited) return Promise.reject(new TesseraError("RUNNER_UNAVAILABLE"));
    if (!this.patchesRequest) {
      let settle!: (patches?: Uint8Array, error?: Error) => void;
      const promise = new Promise<Uint8Array>((resolve, reject) => {
        settle = (patches, error) => (patches ? resolve(patches) : reject(error));
      });
      this.patchesRequest = { promise, settle };
      // A failure is not kept: the next call asks again.
      promise.catch(() => {
        this.patchesRequest = null;
      });
      this.send({ type: "tokenPatches" });
    }
    return this.patchesRequest.promise;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.exited) return;
      const closed = new Promise<void>((resolve) => this.worker.once("exit", () => resolve()));
      this.send({ type: "close" });
      await closed;
    })();
    return this.closing;
  }

  private send(msg: ToWorker): void {
    if (!this.exited) this.worker.postMessage(msg);
  }

  private onMessage(msg: FromWorker): void {
    switch (msg.type) {
      case "events":
        for (const { id, event, at } of msg.events) {
          emittedAt.set(event, at);
          this.streams.get(id)?.push(event);
        }
        break;
      case "rendered": {
        const pending = this.renders.get(msg.requestId);
        this.renders.delete(msg.requestId);
        if (msg.png) pending?.resolve(msg.png);
        else pending?.reject(new TesseraError("GENERATION_FAILED", msg.error));
        break;
      }
      case "textEmbedded": {
        const pending = this.textEmbeds.get(msg.requestId);
        this.textEmbeds.delete(msg.requestId);
        if (msg.embedding) pending?.resolve(msg.embedding);
        else pending?.reject(new TesseraError("RUNNER_UNAVAILABLE", `The text could not be embedded: ${msg.error}`));
        break;
      }
      case "gridsDescribed": {
        const pending = this.descriptions.get(msg.requestId);
        this.descriptions.delete(msg.requestId);
        if (msg.descriptions) pending?.resolve(msg.descriptions);
        else pending?.reject(new TesseraError("RUNNER_UNAVAILABLE", `The images could not be described: ${msg.error}`));
        break;
      }
      case "pictureRead": {
        const pending = this.pictures.get(msg.requestId);
        this.pictures.delete(msg.requestId);
        if (msg.reading) pending?.resolve(msg.reading);
        else pending?.reject(new TesseraError("RUNNER_UNAVAILABLE", `The picture could not be read: ${msg.error}`));
        break;
      }
      case "tokenPatches":
        this.patchesRequest?.settle(msg.patches, new TesseraError("GENERATION_FAILED", msg.error));
        break;
      case "stats":
        this.lastStats = msg.stats;
        break;
      case "closed":
      case "ready":
      case "initError":
        break;
    }
  }

  private failEverything(message: string): void {
    for (const channel of this.streams.values()) channel.push({ type: "failed", code: "RUNNER_UNAVAILABLE", message });
    for (const pending of this.renders.values()) pending.reject(new TesseraError("RUNNER_UNAVAILABLE", message));
    this.renders.clear();
    for (const pending of this.textEmbeds.values()) pending.reject(new TesseraError("RUNNER_UNAVAILABLE", message));
    this.textEmbeds.clear();
    for (const pending of this.pictures.values()) pending.reject(new TesseraError("RUNNER_UNAVAILABLE", message));
    this.pictures.clear();
    for (const pending of this.descriptions.values()) pending.reject(new TesseraError("RUNNER_UNAVAILABLE", message));
    this.descriptions.clear();
    this.patchesRequest?.settle(undefined, new TesseraError("RUNNER_UNAVAILABLE", message));
  }
}
