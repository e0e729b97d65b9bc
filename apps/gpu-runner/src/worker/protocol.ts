import type { BundleManifest } from "@tessera/shared";
import type { BundleKnowledge } from "../bundle/read-knowledge.ts";
import type { JobSpec } from "../engine/job.ts";
import type { SchedulerStats } from "../engine/scheduler.ts";
import type { EmittedEvent } from "./event-batcher.ts";

/** Messages between the Runner (main thread) and the engine worker that owns the ONNX sessions. */
export interface WorkerInit {
  modelDir: string;
  executionProviders: string[];
  intraOpThreads: number;
  spinWait: boolean;
  niceness: number;
  idleScheduling: boolean;
  maxBatchRows: number;
  previewEveryRows: number;
}

export type ToWorker =
  | { type: "submit"; spec: JobSpec }
  | { type: "cancel"; id: string }
  | { type: "render"; requestId: number; tokens: number[] }
  /**
   * What each code looks like (`render/token-patches.ts`): computed on the first request only (~0.5 s of
   * decoding), in slices that give way to generations.
   */
  | { type: "tokenPatches" }
  /** CLIP's text embedding of framed caption ids (a search query), L2-normalised. */
  | { type: "embedText"; requestId: number; ids: number[] }
  /**
   * A picture as the model reads it (an upload): size·size·3 RGB bytes, row-major, to image codes with the VQ
   * encoder, the PNG those codes decode to, and that image's CLIP embedding and tags.
   */
  | { type: "readPicture"; requestId: number; rgb: Uint8Array; size: number }
  /** Stored token grids' CLIP embeddings and tags, as their candidates would have had them (a backfill). */
  | { type: "describeGrids"; requestId: number; grids: number[][] }
  | { type: "close" };

/** What the engine makes of a picture: its codes, the PNG they decode to, its CLIP embedding and tags. */
export interface PictureReading {
  tokens: number[];
  png: Uint8Array;
  /** L2-normalised, the bundle's clip.embedDim floats, as a candidate's. */
  embedding: Float32Array;
  tags: string[];
}

/** What CLIP makes of an image: its embedding (L2-normalised float32) and its tags. */
export interface ImageDescription {
  embedding: Float32Array;
  tags: string[];
}

export interface SerializedError {
  code: string;
  message: string;
  dir?: string;
  file?: string | null;
}

export type FromWorker =
  | { type: "ready"; manifest: BundleManifest; tokenizerJson: Record<string, unknown>; knowledge: BundleKnowledge }
  | { type: "initError"; error: SerializedError }
  /** Events the engine emitted in one synchronous stretch, in order (`event-batcher.ts`). */
  | { type: "events"; events: EmittedEvent[] }
  | { type: "rendered"; requestId: number; png?: Uint8Array; error?: string }
  | { type: "tokenPatches"; patches?: Uint8Array; error?: string }
  | { type: "textEmbedded"; requestId: number; embedding?: Float32Array; error?: string }
  | { type: "pictureRead"; requestId: number; reading?: PictureReading; error?: string }
  | { type: "gridsDescribed"; requestId: number; descriptions?: ImageDescription[]; error?: string }
  | { type: "stats"; stats: SchedulerStats }
  | { type: "closed" };
