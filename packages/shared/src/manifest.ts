import { z } from "zod";

/**
 * The one schema for a model bundle's `manifest.json`. The lab (ml/) writes it, the runner validates it
 * before loading anything; a bigger exported model drops in by shipping a manifest that passes here.
 */

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "must be a lowercase hex sha256 digest");
const fileName = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9._-]+$/, "must be a plain file name inside the bundle directory");
const rgbTriple = z.tuple([z.number(), z.number(), z.number()]);

export const bundleFileSchema = z.object({
  sha256,
  bytes: z.number().int().positive(),
});

export const specialTokensSchema = z.object({
  pad: z.number().int().nonnegative(),
  unk: z.number().int().nonnegative(),
  /** Marks the start of the caption; the prior predicts the first image token after the padded text. */
  bos: z.number().int().nonnegative(),
  eos: z.number().int().nonnegative(),
});

export const samplingDefaultsSchema = z.object({
  n: z.number().int().min(1).max(16),
  temperature: z.number().positive().max(5),
  topK: z.number().int().min(0),
  topP: z.number().gt(0).max(1),
  guidanceScale: z.number().min(0).max(20),
});

/**
 * How the prior's KV cache is laid out between steps.
 * - `concat` (Optimum-style, the default for bundles that don't say): `past_key_values.*` are
 *   [batch, kvHeads, past, headDim] with any `past`, and `present.*` return past and the new tokens
 *   concatenated, so a step's inputs and outputs grow with the prefix.
 * - `static`: `past_key_values.*` are always [batch, kvHeads, length, headDim] (a preallocated cache;
 *   unused slots are masked 0 in `attention_mask`, which is [batch, length + seq]), and `present.*` return
 *   only the new tokens' K/V [batch, kvHeads, seq, headDim], which the caller writes into its slots. A
 *   step then costs the same at every position.
 */
export const kvCacheSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("concat") }),
  z.object({ kind: z.literal("static"), length: z.number().int().positive() }),
]);

export const priorSchema = z.object({
  file: fileName,
  layers: z.number().int().positive(),
  /** Query heads. */
  heads: z.number().int().positive(),
  /** Key/value heads (grouped-query attention); equals `heads` for plain multi-head attention. */
  kvHeads: z.number().int().positive(),
  headDim: z.number().int().positive(),
  embedDim: z.number().int().positive(),
  /** Text positions (always padded to exactly this many) followed by rows*cols image positions. */
  textLength: z.number().int().positive(),
  /** Width of the `logits` output: the codebook, since the prior only ever predicts image tokens. */
  logitsSize: z.number().int().positive(),
  /**
   * Image code c is fed to the prior as input id `imageTokenOffset + c`, so text and image share one
   * `input_ids` tensor while keeping separate embedding tables.
   */
  imageTokenOffset: z.number().int().nonnegative(),
  /** The graph returns logits for the last position only: [batch, 1, logitsSize]. */
  logitsLastOnly: z.boolean(),
  /** Absent in older bundles and Optimum exports, which are concat-style. */
  kvCache: kvCacheSchema.default({ kind: "concat" }),
});

export const clipSchema = z.object({
  textFile: fileName,
  visionFile: fileName,
  embedDim: z.number().int().positive(),
  textLength: z.number().int().positive(),
  /** Pixel preprocessing: RGB in [0,1], then (x - mean) / std per channel, NCHW. */
  imageSize: z.number().int().positive(),
  mean: rgbTriple,
  std: rgbTriple,
  logitScale: z.number().positive(),
});

export const manifestSchema = z
  .object({
    schemaVersion: z.literal(1),
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be a lowercase slug like tessera-tiny"),
    version: z.string().regex(/^\d+\.\d+\.\d+$/, "must be a semantic version like 1.0.0"),
    createdAt: z.string().datetime(),
    image: z.object({ size: z.number().int().positive(), channels: z.literal(3) }),
    grid: z.object({ rows: z.number().int().positive(), cols: z.number().int().positive() }),
    codebookSize: z.number().int().min(2),
    text: z.object({
      tokenizerFile: fileName,
      vocabSize: z.number().int().positive(),
      maxTokens: z.number().int().positive(),
      specialTokens: specialTokensSchema,
      /**
       * The words and CJK characters the model saw in training (`vocabularySchema`). A subword tokenizer
       * never produces [UNK], so this is what tells a prompt's unknown words; without it, [UNK] does.
       */
      vocabularyFile: fileName.optional(),
    }),
    prior: priorSchema,
    vq: z.object({
      encoderFile: fileName,
      decoderFile: fileName,
      /** Code rendered in grid positions that are not generated yet (preview frames). */
      fillerCode: z.number().int().nonnegative(),
    }),
    clip: clipSchema,
    /** What the model knows, for browsing and suggestions (`conceptListSchema`); optional for older bundles. */
    concepts: z.object({ file: fileName, spritesFile: fileName.optional() }).optional(),
    sampling: samplingDefaultsSchema,
    files: z.record(fileName, bundleFileSchema),
    fixturesFile: fileName.optional(),
    training: z.record(z.string(), z.unknown()),
    metrics: z.record(z.string(), z.unknown()),
  })
  .superRefine((m, ctx) => {
    const referenced = [
      m.text.tokenizerFile,
      m.prior.file,
      m.vq.encoderFile,
      m.vq.decoderFile,
      m.clip.textFile,
      m.clip.visionFile,
      ...(m.text.vocabularyFile ? [m.text.vocabularyFile] : []),
      ...(m.concepts ? [m.concepts.file, ...(m.concepts.spritesFile ? [m.concepts.spritesFile] : [])] : []),
    ];
    for (const f of referenced) {
      if (!(f in m.files)) {
        ctx.addIssue({ code: "custom", path: ["files"], message: `files is missing an entry for ${f}` });
      }
    }
    if (m.prior.logitsSize !== m.codebookSize) {
      ctx.addIssue({
        code: "custom",
        path: ["prior", "logitsSize"],
        message: `prior.logitsSize (${m.prior.logitsSize}) must equal codebookSize (${m.codebookSize})`,
      });
    }
    if (m.prior.heads % m.prior.kvHeads !== 0) {
      ctx.addIssue({ code: "custom", path: ["prior", "kvHeads"], message: "heads must be a multiple of kvHeads" });
    }
    const fed = m.prior.textLength + m.grid.rows * m.grid.cols - 1; // the last code is sampled, never fed
    if (m.prior.kvCache.kind === "static" && m.prior.kvCache.length < fed) {
      ctx.addIssue({
        code: "custom",
        path: ["prior", "kvCache", "length"],
        message: `a static KV cache of length ${m.prior.kvCache.length} cannot hold the ${fed} tokens a generation feeds (textLength + rows·cols − 1)`,
      });
    }
    if (m.vq.fillerCode >= m.codebookSize) {
      ctx.addIssue({ code: "custom", path: ["vq", "fillerCode"], message: "fillerCode must be a valid code" });
    }
    if (m.prior.textLength !== m.text.maxTokens) {
      ctx.addIssue({
        code: "custom",
        path: ["prior", "textLength"],
        message: "prior.textLength must equal text.maxTokens",
      });
    }
    if (m.image.size % m.grid.rows !== 0 || m.image.size % m.grid.cols !== 0) {
      ctx.addIssue({ code: "custom", path: ["grid"], message: "image.size must be divisible by the grid" });
    }
  });

export type BundleManifest = z.infer<typeof manifestSchema>;

/** `vocabulary.json`: every English word and CJK character the captions the model trained on can hold. */
export const vocabularySchema = z.object({
  words: z.array(z.string().min(1).max(64)).max(100_000),
  chars: z.array(z.string().min(1).max(2)).max(100_000),
});
export type BundleVocabulary = z.infer<typeof vocabularySchema>;

export const conceptSchema = z.object({
  index: z.number().int().nonnegative(),
  key: z.string().max(100),
  label: z.string().min(1).max(100),
  zh: z.string().max(100),
  emoji: z.string().max(32),
  group: z.string().max(64),
  synonyms: z.array(z.string().max(64)).max(16),
  zhSynonyms: z.array(z.string().max(64)).max(16),
});

/** `concepts.json`: the things the model can draw, each with one sprite in a grid sheet (`spritesFile`). */
export const conceptListSchema = z.object({
  spriteSize: z.number().int().positive().max(512),
  spriteColumns: z.number().int().positive().max(1024),
  spritesFile: fileName.optional(),
  colours: z.array(z.string().max(32)).max(64),
  backgrounds: z.array(z.string().max(32)).max(64),
  concepts: z.array(conceptSchema).max(20_000),
});
export type BundleConcept = z.infer<typeof conceptSchema>;
export type BundleConceptList = z.infer<typeof conceptListSchema>;
export type KvCacheLayout = z.infer<typeof kvCacheSchema>;
export type SamplingDefaults = z.infer<typeof samplingDefaultsSchema>;

export class ManifestError extends Error {
  override readonly name = "ManifestError";
  readonly code = "BUNDLE_MANIFEST_INVALID";
}

/** Parses a manifest and turns zod's issues into one sentence per problem, naming the field. */
export function parseManifest(json: unknown, source = "manifest.json"): BundleManifest {
  const result = manifestSchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => {
    // Record keys report their own problem one level down ("Invalid key in record" alone says little).
    const inner = "issues" in i && Array.isArray(i.issues) ? i.issues.map((x: { message: string }) => x.message) : [];
    return `${i.path.join(".") || "(root)"}: ${[i.message, ...inner].join(": ")}`;
  });
  throw new ManifestError(`${source} is not a valid Tessera model manifest:\n- ${problems.join("\n- ")}`);
}

/** The bundle `npm start` serves when TESSERA_MODEL_DIR is unset: `models/<this>` in the repository. */
export const DEFAULT_BUNDLE_NAME = "tessera-sticker";
