import path from "node:path";
import type { BundleManifest } from "@tessera/shared";
import ort from "onnxruntime-node";
import { BundleError } from "./bundle-error.ts";
import { expectedGraphs, graphMismatches } from "./check-graphs.ts";
import { readVerifiedManifest } from "./read-manifest.ts";

export interface SessionOptions {
  executionProviders?: string[];
  intraOpThreads?: number;
  /** Let idle intra-op threads spin (ONNX Runtime's default); off when sharing cores with other work. */
  spinWait?: boolean;
}

/** A verified bundle with one ONNX Runtime session per graph, created once and reused for every request. */
export interface Bundle {
  dir: string;
  manifest: BundleManifest;
  prior: ort.InferenceSession;
  vqEncoder: ort.InferenceSession;
  vqDecoder: ort.InferenceSession;
  clipText: ort.InferenceSession;
  clipVision: ort.InferenceSession;
  close(): Promise<void>;
}

/**
 * Loads and checks a bundle: the manifest against the shared schema, every file's sha256, each graph's
 * input/output names and shapes, and one tiny forward of the prior and the decoder (symbolic dimensions
 * hide mismatches the metadata can't show). Every failure is a BundleError naming the file.
 */
export async function loadBundle(dir: string, options: SessionOptions = {}): Promise<Bundle> {
  const manifest = await readVerifiedManifest(dir);
  const specs = expectedGraphs(manifest);
  const providers = await usableProviders(path.join(dir, manifest.prior.file), options.executionProviders ?? ["cpu"]);
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: providers,
    graphOptimizationLevel: "all",
    ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
    ...(options.spinWait === false
      ? { extra: { session: { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } } } }
      : {}),
  };
  const opened: ort.InferenceSession[] = [];
  const open = async (file: string, spec: (typeof specs)[keyof typeof specs]) => {
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(path.join(dir, file), sessionOptions);
    } catch (e) {
      throw new BundleError(dir, file, `ONNX Runtime could not load ${file}: ${(e as Error).message}.`);
    }
    opened.push(session);
    const problems = graphMismatches(session, spec);
    if (problems.length > 0) {
      throw new BundleError(
        dir,
        file,
        `${file} does not match manifest.json: ${problems.join("; ")}.`,
        "The manifest and the exported graphs come from different models; re-export them together.",
      );
    }
    return session;
  };
  try {
    const prior = await open(manifest.prior.file, specs.prior);
    const vqEncoder = await open(manifest.vq.encoderFile, specs.vqEncoder);
    const vqDecoder = await open(manifest.vq.decoderFile, specs.vqDecoder);
    const clipText = await open(manifest.clip.textFile, specs.clipText);
    const clipVision = await open(manifest.clip.visionFile, specs.clipVision);
    const bundle: Bundle = {
      dir,
      manifest,
      prior,
      vqEncoder,
      vqDecoder,
      clipText,
      clipVision,
      close: async () => {
        await Promise.all(opened.map((s) => s.release()));
      },
    };
    await probe(bundle);
    return bundle;
  } catch (e) {
    await Promise.allSettled(opened.map((s) => s.release()));
    throw e;
  }
}

/**
 * TESSERA_EP lists providers in order of preference (`cuda,cpu`). A provider this onnxruntime-node build
 * or machine can't load (no CUDA libraries, no GPU) is dropped with a warning instead of failing the
 * bundle; CPU always remains as the last resort.
 */
async function usableProviders(modelPath: string, wanted: string[]): Promise<string[]> {
  const usable: string[] = [];
  for (const ep of wanted) {
    if (ep === "cpu") {
      usable.push(ep);
      continue;
    }
    try {
      const probe = await ort.InferenceSession.create(modelPath, { executionProviders: [ep], logSeverityLevel: 4 });
      await probe.release();
      usable.push(ep);
    } catch (e) {
      console.warn(`tessera runner: execution provider "${ep}" is unavailable, skipping it (${(e as Error).message})`);
    }
  }
  return usable.includes("cpu") ? usable : [...usable, "cpu"];
}

/** Runs the prior's prefill and the decoder once and compares the output shapes with the manifest. */
async function probe(b: Bundle): Promise<void> {
  const m = b.manifest;
  const T = m.prior.textLength;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor("int64", new BigInt64Array(T), [1, T]),
    attention_mask: new ort.Tensor("int64", new BigInt64Array(T).fill(1n), [1, T]),
    position_ids: new ort.Tensor(
      "int64",
      BigInt64Array.from({ length: T }, (_, i) => BigInt(i)),
      [1, T],
    ),
  };
  // Static layout: the preallocated cache (all slots masked); concat: an empty past. Either way present.*
  // must hold exactly the T prefilled tokens, which tells a concat graph from a static one.
  const cache = m.prior.kvCache;
  const pastLen = cache.kind === "static" ? cache.length : 0;
  const past = new Float32Array(m.prior.kvHeads * pastLen * m.prior.headDim);
  if (cache.kind === "static") {
    const mask = new BigInt64Array(pastLen + T);
    mask.fill(1n, pastLen);
    feeds.attention_mask = new ort.Tensor("int64", mask, [1, pastLen + T]);
  }
  for (let i = 0; i < m.prior.layers; i++) {
    for (const part of ["key", "value"]) {
      feeds[`past_key_values.${i}.${part}`] = new ort.Tensor("float32", past, [
        1,
        m.prior.kvHeads,
        pastLen,
        m.prior.headDim,
      ]);
    }
  }
  let out: ort.InferenceSession.ReturnType;
  try {
    out = await b.prior.run(feeds);
  } catch (e) {
    throw new BundleError(b.dir, m.prior.file, `a test forward of the prior failed: ${(e as Error).message}.`);
  }
  const logitsDims = out.logits?.dims ?? [];
  if (logitsDims.join(",") !== `1,1,${m.prior.logitsSize}`) {
    throw new BundleError(
      b.dir,
      m.prior.file,
      `the prior returned logits of shape [${logitsDims.join(", ")}], manifest.json implies [1, 1, ${m.prior.logitsSize}].`,
    );
  }
  const keyDims = out["present.0.key"]?.dims ?? [];
  if (keyDims.join(",") !== `1,${m.prior.kvHeads},${T},${m.prior.headDim}`) {
    const concatLike = cache.kind === "static" && keyDims[2] === pastLen + T;
    throw new BundleError(
      b.dir,
      m.prior.file,
      `the prior's KV cache has shape [${keyDims.join(", ")}], manifest.json implies [1, ${m.prior.kvHeads}, ${T}, ${m.prior.headDim}]` +
        (concatLike
          ? ` — the graph returns the whole cache (past + new, the concat layout) but manifest.json's prior.kvCache says static; drop prior.kvCache or re-export the static-cache graph.`
          : "."),
    );
  }
  const { rows, cols } = m.grid;
  const codes = new ort.Tensor("int64", new BigInt64Array(rows * cols).fill(BigInt(m.vq.fillerCode)), [1, rows, cols]);
  let decoded: ort.InferenceSession.ReturnType;
  try {
    decoded = await b.vqDecoder.run({ codes });
  } catch (e) {
    throw new BundleError(b.dir, m.vq.decoderFile, `a test decode failed: ${(e as Error).message}.`);
  }
  const S = m.image.size;
  if (decoded.images?.dims.join(",") !== `1,3,${S},${S}`) {
    throw new BundleError(
      b.dir,
      m.vq.decoderFile,
      `the decoder returned images of shape [${decoded.images?.dims.join(", ")}], manifest.json implies [1, 3, ${S}, ${S}].`,
    );
  }
}
