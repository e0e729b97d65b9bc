// @tessera/gpu-runner: the engine. A Runner streams image tokens with a KV cache and continuous batching,
// decodes previews and final PNGs with the VQ decoder, and ranks candidates with CLIP.
export { BundleError } from "./bundle/bundle-error.ts";
export { type Bundle, loadBundle, type SessionOptions } from "./bundle/load-bundle.ts";
export { defaultModelDir, type RunnerOptions, repoRoot } from "./config.ts";
export { eventEmittedAt, type ModelInfo, Runner, type RunnerStats, type TextEmbedding } from "./runner.ts";
export { CandidateRng } from "./sampling/prng.ts";
export { createRunnerServer } from "./server/http-server.ts";
export { fromWire, toWire, type WireEvent } from "./server/wire-events.ts";
export type { EncodedPrompt } from "./text/prompt-encoder.ts";
export type { ImageDescription, PictureReading } from "./worker/protocol.ts";
export { SCHED_IDLE, schedulingPolicyOf } from "./worker/thread-priority.ts";
