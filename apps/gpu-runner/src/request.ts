import {
  type BundleManifest,
  type GenerationRequest,
  type GenerationRequestInput,
  generationRequestSchema,
  TesseraError,
} from "@tessera/shared";
import type { JobSpec } from "./engine/job.ts";
import type { PromptEncoder } from "./text/prompt-encoder.ts";

/**
 * Validates a request with the shared schema, then against the loaded bundle (source grid size, code
 * range, kept rows), and fills sampling defaults from the manifest. Throws TesseraError BAD_USER_INPUT.
 *
 * Guidance: 0 and 1 both mean "conditional only" (the shared schema's contract), so those requests skip
 * the unconditional rows and cost half the batch; any other scale runs both streams in the same batch.
 */
export function buildJob(
  id: string,
  input: GenerationRequestInput,
  manifest: BundleManifest,
  encoder: PromptEncoder,
): { spec: JobSpec; request: GenerationRequest; unknownWords: string[] } {
  const parsed = generationRequestSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "request"}: ${i.message}`);
    throw new TesseraError("BAD_USER_INPUT", issues.join("; "), { issues });
  }
  const request = parsed.data;
  const { rows, cols } = manifest.grid;
  let keepTokens: number[] = [];
  if (request.source) {
    const { tokens, keepRows } = request.source;
    if (tokens.length !== rows * cols) {
      throw new TesseraError("BAD_USER_INPUT", `source.tokens must hold ${rows * cols} codes (a ${rows}×${cols} grid)`);
    }
    if (tokens.some((t) => t >= manifest.codebookSize)) {
      throw new TesseraError("BAD_USER_INPUT", `source.tokens must be codes below ${manifest.codebookSize}`);
    }
    if (keepRows >= rows) throw new TesseraError("BAD_USER_INPUT", `source.keepRows must be below ${rows}`);
    keepTokens = tokens.slice(0, keepRows * cols);
  }
  const d = manifest.sampling;
  const p = request.params;
  const settings = {
    temperature: p.temperature ?? d.temperature,
    topK: p.topK ?? d.topK,
    topP: p.topP ?? d.topP,
    guidanceScale: p.guidanceScale ?? d.guidanceScale,
  };
  const { ids, unknownWords } = encoder.encode(request.prompt);
  const negativeIds = p.negativePrompt ? encoder.encode(p.negativePrompt).ids : undefined;
  const spec: JobSpec = {
    id,
    n: request.n,
    seed: request.seed,
    textIds: ids,
    uncondIds: negativeIds ?? encoder.unconditional(),
    ...(negativeIds ? { negativeIds } : {}),
    settings,
    guided: settings.guidanceScale !== 0 && settings.guidanceScale !== 1,
    keepTokens,
  };
  return { spec, request, unknownWords };
}
