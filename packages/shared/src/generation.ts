import { z } from "zod";
import { LIMITS } from "./limits.ts";
import { BROKEN_TEXT_MESSAGE, isWellFormedText } from "./text.ts";

/**
 * What a generation asks of the runner, validated once at every boundary (GraphQL args, queue jobs,
 * the runner's own entry point) with the same schema.
 */

const finite = (what: string) =>
  z.number({ error: `${what} must be a number` }).refine(Number.isFinite, `${what} must be a finite number`);

/** Text a person typed: whole characters only (no lone surrogates), NFC, trimmed. */
const typedText = (what: string) =>
  z
    .string({ error: `${what} must be text` })
    .refine(isWellFormedText, BROKEN_TEXT_MESSAGE)
    .transform((s) => s.normalize("NFC").trim());

export const promptSchema = typedText("prompt").pipe(
  z
    .string()
    .min(1, "Write a prompt first: it is empty.")
    .max(LIMITS.promptMaxChars, `Prompts are limited to ${LIMITS.promptMaxChars} characters.`),
);

/**
 * "Without …": what the picture should not have. It replaces the empty caption as the condition of the
 * guidance stream (so sampling is pushed away from it) and CLIP's ranking subtracts each image's similarity to
 * it. Empty means none.
 */
export const negativePromptSchema = typedText("negativePrompt")
  .pipe(z.string().max(LIMITS.promptMaxChars, `"Without" is limited to ${LIMITS.promptMaxChars} characters.`))
  .transform((s) => (s === "" ? undefined : s));

export const samplingParamsSchema = z.object({
  negativePrompt: negativePromptSchema.optional(),
  temperature: finite("temperature")
    .pipe(z.number().gt(0, "temperature must be above 0").max(LIMITS.temperatureMax))
    .optional(),
  /** 0 disables top-k. */
  topK: z.number().int("topK must be a whole number").min(0).max(LIMITS.topKMax).optional(),
  topP: finite("topP").pipe(z.number().gt(0, "topP must be above 0").max(1, "topP must be at most 1")).optional(),
  /** 0 or 1 disables classifier-free guidance (1 = conditional only). */
  guidanceScale: finite("guidanceScale")
    .pipe(z.number().min(0, "guidanceScale can't be negative").max(LIMITS.guidanceScaleMax))
    .optional(),
});

/** A comment as a person typed it: whole characters, NFC, trimmed, 1..commentMaxChars. */
export const commentBodySchema = typedText("comment").pipe(
  z
    .string()
    .min(1, "Write something first: the comment is empty.")
    .max(LIMITS.commentMaxChars, `Comments are limited to ${LIMITS.commentMaxChars} characters.`),
);

/** The reactions a candidate can get beside votes (a fixed set: no arbitrary text in a reaction). */
export const REACTIONS = ["👍", "❤️", "😂", "🔥", "🤔", "👀"] as const;

export const seedSchema = z
  .number()
  .int("seed must be a whole number")
  .min(0, "seed can't be negative")
  .max(LIMITS.seedMax, `seed must be at most ${LIMITS.seedMax}`);

/** Image completion: keep the first `keepRows` rows of `tokens` and generate the rest. */
export const sourceSchema = z.object({
  tokens: z.array(z.number().int().min(0)).min(1).max(4096),
  keepRows: z.number().int().min(0),
});

export const generationRequestSchema = z.object({
  prompt: promptSchema,
  n: z
    .number()
    .int("n must be a whole number")
    .min(LIMITS.candidatesMin, `n must be at least ${LIMITS.candidatesMin}`)
    .max(LIMITS.candidatesMax, `n must be at most ${LIMITS.candidatesMax}`),
  seed: seedSchema,
  params: samplingParamsSchema.default({}),
  source: sourceSchema.optional(),
});

export type SamplingParams = z.infer<typeof samplingParamsSchema>;
export type GenerationSource = z.infer<typeof sourceSchema>;
export type GenerationRequest = z.infer<typeof generationRequestSchema>;
export type GenerationRequestInput = z.input<typeof generationRequestSchema>;

/** Per-candidate score from CLIP once every candidate is done; rank 1 is the best match. */
export interface CandidateRanking {
  candidate: number;
  score: number;
  rank: number;
}

export interface GenerationTimings {
  queuedMs: number;
  firstRowMs: number;
  decodeMs: number;
  rankMs: number;
  totalMs: number;
  steps: number;
}

/**
 * The runner's event stream for one generation. Payloads stay small because the API fans each one out
 * to every subscriber: tokens arrive one image row at a time, previews as PNG bytes.
 */
export type RunnerEvent =
  | {
      type: "started";
      n: number;
      rows: number;
      cols: number;
      /** Prompt words the model has no token for; they were ignored. */
      unknownWords: string[];
      model: { name: string; version: string };
    }
  | { type: "restarted"; reason: string }
  | {
      type: "tokens";
      candidate: number;
      /** Index of the first token in this chunk (raster order). */
      start: number;
      tokens: number[];
    }
  | { type: "preview"; candidate: number; rowsDone: number; png: Uint8Array }
  | {
      type: "candidateFinished";
      candidate: number;
      tokens: number[];
      png: Uint8Array;
      /**
       * The image's CLIP embedding, L2-normalised (clip.embedDim floats), computed once by the runner for
       * search (issue 17 item 1), and its zero-shot tags (item 5: concepts, colour, position, best first).
       * Optional only so that events from a runner older than search still pass (a rolling upgrade).
       */
      embedding?: Float32Array;
      tags?: string[];
    }
  | { type: "ranking"; ranking: CandidateRanking[] }
  | { type: "failed"; code: string; message: string }
  | { type: "cancelled" }
  | { type: "finished"; timings: GenerationTimings };

export type RunnerEventType = RunnerEvent["type"];

/** Events after which a generation's stream ends. */
export function isTerminalEvent(e: RunnerEvent): boolean {
  return e.type === "finished" || e.type === "failed" || e.type === "cancelled";
}

/** Where the API serves a candidate's PNG (access-checked, rendered from its tokens if not stored). */
export function candidateImagePath(candidateId: string): string {
  return `/images/${candidateId}.png`;
}

/** Where the API serves the model's concept sprite sheet (public: it is part of the shipped bundle). */
export const CONCEPT_SPRITES_PATH = "/model/concepts.png";
