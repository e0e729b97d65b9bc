import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_BUNDLE_NAME, TesseraError } from "@tessera/shared";

/** How a Runner is set up; every field has a default so `Runner.create()` works out of the box. */
export interface RunnerOptions {
  /** Bundle directory; default `TESSERA_MODEL_DIR` or `<repo>/models/tessera-sticker` (DEFAULT_BUNDLE_NAME). */
  modelDir: string;
  /** ONNX Runtime execution providers in order of preference; default `TESSERA_EP` or `["cpu"]`. */
  executionProviders: string[];
  /** Intra-op threads per session; 0 lets ONNX Runtime decide (default `TESSERA_THREADS`). */
  intraOpThreads: number;
  /**
   * Whether ONNX Runtime's idle threads spin between parallel sections (`TESSERA_SPIN_WAIT`, default on).
   * Spinning shaves microseconds off each step on a dedicated runner, but inside the API process it takes
   * the cores the event loop needs to fan events out, so the embedded engine turns it off.
   */
  spinWait: boolean;
  /**
   * How many steps (nice values) below its process the engine thread and its ONNX Runtime threads run
   * (`TESSERA_ENGINE_NICE`, 0–19, default 0; Linux only). Sharing cores with a latency-sensitive event
   * loop, the model is the work that can wait: the in-process engine lowers it (see the API's engine).
   */
  niceness: number;
  /**
   * Whether the engine thread and its ONNX Runtime threads run under Linux's SCHED_IDLE policy
   * (`TESSERA_ENGINE_IDLE`, default off): they then run only on a core nothing else wants, and give it up
   * the moment the event loop wakes. The in-process engine turns it on (see the API's engine).
   */
  idleScheduling: boolean;
  /** Most prior rows decoded in one batched forward (a guided candidate takes two rows). */
  maxBatchRows: number;
  /** Emit a preview frame every this many completed grid rows; 0 disables previews. */
  previewEveryRows: number;
  /** Most generations waiting to join the batch before `generate` fails with QUEUE_FULL. */
  maxQueuedRequests: number;
}

const SUPPORTED_EPS = new Set(["cpu", "cuda", "tensorrt", "webgpu"]);

/** The repository root, found from this file rather than the cwd so tests and scripts agree. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (dir !== path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json")) && existsSync(path.join(dir, "apps"))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error("could not locate the Tessera repository root");
}

export function defaultModelDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.TESSERA_MODEL_DIR?.trim();
  if (fromEnv) return path.resolve(repoRoot(), fromEnv);
  return path.join(repoRoot(), "models", DEFAULT_BUNDLE_NAME);
}

function parseEps(value: string | undefined): string[] {
  const eps = (value ?? "cpu")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const ep of eps) {
    if (!SUPPORTED_EPS.has(ep)) {
      throw new TesseraError("BAD_USER_INPUT", `TESSERA_EP names an unknown execution provider "${ep}"`);
    }
  }
  return eps.length > 0 ? eps : ["cpu"];
}

function parseCount(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 256) {
    throw new TesseraError("BAD_USER_INPUT", `${name} must be a whole number between 0 and 256, got "${value}"`);
  }
  return n;
}

function parseSwitch(name: string, value: string | undefined, fallback: boolean): boolean {
  const v = value?.trim().toLowerCase();
  if (!v) return fallback;
  if (["1", "true", "on", "yes"].includes(v)) return true;
  if (["0", "false", "off", "no"].includes(v)) return false;
  throw new TesseraError("BAD_USER_INPUT", `${name} must be on or off (1/0), got "${value}"`);
}

export function resolveOptions(partial: Partial<RunnerOptions> = {}, env = process.env): RunnerOptions {
  const options: RunnerOptions = {
    modelDir: partial.modelDir ? path.resolve(partial.modelDir) : defaultModelDir(env),
    executionProviders: partial.executionProviders ?? parseEps(env.TESSERA_EP),
    intraOpThreads: partial.intraOpThreads ?? parseCount("TESSERA_THREADS", env.TESSERA_THREADS, 0),
    spinWait: partial.spinWait ?? parseSwitch("TESSERA_SPIN_WAIT", env.TESSERA_SPIN_WAIT, true),
    niceness: partial.niceness ?? parseCount("TESSERA_ENGINE_NICE", env.TESSERA_ENGINE_NICE, 0),
    idleScheduling: partial.idleScheduling ?? parseSwitch("TESSERA_ENGINE_IDLE", env.TESSERA_ENGINE_IDLE, false),
    maxBatchRows: partial.maxBatchRows ?? 64,
    previewEveryRows: partial.previewEveryRows ?? 4,
    maxQueuedRequests: partial.maxQueuedRequests ?? 64,
  };
  if (!Number.isInteger(options.maxBatchRows) || options.maxBatchRows < 2 || options.maxBatchRows > 512) {
    throw new TesseraError("BAD_USER_INPUT", "maxBatchRows must be a whole number between 2 and 512");
  }
  if (!Number.isInteger(options.niceness) || options.niceness < 0 || options.niceness > 19) {
    throw new TesseraError("BAD_USER_INPUT", "TESSERA_ENGINE_NICE must be a whole number between 0 and 19");
  }
  if (!Number.isInteger(options.previewEveryRows) || options.previewEveryRows < 0) {
    throw new TesseraError("BAD_USER_INPUT", "previewEveryRows must be a whole number ≥ 0");
  }
  return options;
}
