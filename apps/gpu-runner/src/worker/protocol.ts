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
  /** A picture to image codes with the VQ encoder: size·size·3 RGB bytes, row-major (an upload). */
  | { type: "encodeImage"; requestId: number; rgb: Uint8Array; size: number }
  | { type: "close" };

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
  | { type: "imageEncoded"; requestId: number; tokens?: number[]; error?: string }
  | { type: "stats"; stats: SchedulerStats }
  | { type: "closed" };
