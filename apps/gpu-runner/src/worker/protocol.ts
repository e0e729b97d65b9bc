import type { BundleManifest, RunnerEvent } from "@tessera/shared";
import type { JobSpec } from "../engine/job.ts";
import type { SchedulerStats } from "../engine/scheduler.ts";

/** Messages between the Runner (main thread) and the engine worker that owns the ONNX sessions. */
export interface WorkerInit {
  modelDir: string;
  executionProviders: string[];
  intraOpThreads: number;
  spinWait: boolean;
  niceness: number;
  maxBatchRows: number;
  previewEveryRows: number;
}

export type ToWorker =
  | { type: "submit"; spec: JobSpec }
  | { type: "cancel"; id: string }
  | { type: "render"; requestId: number; tokens: number[] }
  | { type: "close" };

export interface SerializedError {
  code: string;
  message: string;
  dir?: string;
  file?: string | null;
}

export type FromWorker =
  | { type: "ready"; manifest: BundleManifest; tokenizerJson: Record<string, unknown> }
  | { type: "initError"; error: SerializedError }
  /** `at`: when the engine emitted it (performance.timeOrigin + now(), comparable across threads). */
  | { type: "event"; id: string; event: RunnerEvent; at: number }
  | { type: "rendered"; requestId: number; png?: Uint8Array; error?: string }
  | { type: "stats"; stats: SchedulerStats }
  | { type: "closed" };
