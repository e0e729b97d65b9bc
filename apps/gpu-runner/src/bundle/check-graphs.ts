import type { BundleManifest } from "@tessera/shared";
import type { InferenceSession } from "onnxruntime-node";

/**
 * One expected graph input or output: a name, an element type and a shape (number = fixed, null = any,
 * "dynamic" = must not be fixed, e.g. a concat-layout cache's growing past length).
 */
export interface IoSpec {
  name: string;
  type: string;
  shape: (number | null | "dynamic")[];
  /** Said after a mismatch in a dimension, to tell the reader what the fix probably is. */
  hint?: string;
}

export interface GraphSpec {
  inputs: IoSpec[];
  outputs: IoSpec[];
}

/** The graphs' interface as the bundle contract and this manifest require it. */
export function expectedGraphs(
  m: BundleManifest,
): Record<"prior" | "vqEncoder" | "vqDecoder" | "clipText" | "clipVision", GraphSpec> {
  const { rows, cols } = m.grid;
  const S = m.image.size;
  const cache = m.prior.kvCache;
  // Static: past is the preallocated cache (fixed length). Concat: past grows, so a fixed length means the
  // graph is really a static-cache export.
  const pastLength = cache.kind === "static" ? cache.length : "dynamic";
  const hint =
    cache.kind === "static"
      ? `manifest.json's prior.kvCache is { kind: "static", length: ${cache.length} }`
      : `manifest.json's prior.kvCache is concat (the default when absent); a graph with a fixed past length is a static-cache export and needs prior.kvCache { kind: "static", length }`;
  const kv = (prefix: string, i: number, part: "key" | "value", past: number | null | "dynamic"): IoSpec => ({
    name: `${prefix}.${i}.${part}`,
    type: "float32",
    shape: [null, m.prior.kvHeads, past, m.prior.headDim],
    hint,
  });
  const pastIn: IoSpec[] = [];
  const presentOut: IoSpec[] = [];
  for (let i = 0; i < m.prior.layers; i++) {
    for (const part of ["key", "value"] as const) {
      pastIn.push(kv("past_key_values", i, part, pastLength));
      presentOut.push(kv("present", i, part, null));
    }
  }
  return {
    prior: {
      inputs: [
        { name: "input_ids", type: "int64", shape: [null, null] },
        { name: "attention_mask", type: "int64", shape: [null, null] },
        { name: "position_ids", type: "int64", shape: [null, null] },
        ...pastIn,
      ],
      outputs: [{ name: "logits", type: "float32", shape: [null, 1, m.prior.logitsSize] }, ...presentOut],
    },
    vqEncoder: {
      inputs: [{ name: "images", type: "float32", shape: [null, 3, S, S] }],
      outputs: [{ name: "codes", type: "int64", shape: [null, rows, cols] }],
    },
    vqDecoder: {
      inputs: [{ name: "codes", type: "int64", shape: [null, rows, cols] }],
      outputs: [{ name: "images", type: "float32", shape: [null, 3, S, S] }],
    },
    clipText: {
      inputs: [
        { name: "input_ids", type: "int64", shape: [null, m.clip.textLength] },
        { name: "attention_mask", type: "int64", shape: [null, m.clip.textLength] },
      ],
      outputs: [{ name: "text_embeds", type: "float32", shape: [null, m.clip.embedDim] }],
    },
    clipVision: {
      inputs: [{ name: "pixel_values", type: "float32", shape: [null, 3, m.clip.imageSize, m.clip.imageSize] }],
      outputs: [{ name: "image_embeds", type: "float32", shape: [null, m.clip.embedDim] }],
    },
  };
}

/**
 * Compares a loaded session's inputs and outputs with the spec and returns one sentence per mismatch.
 * Symbolic dimensions in the graph match anything; fixed ones must equal the manifest's numbers.
 */
export function graphMismatches(session: InferenceSession, spec: GraphSpec): string[] {
  const problems: string[] = [];
  const check = (kind: "input" | "output", meta: readonly InferenceSession.ValueMetadata[], want: IoSpec[]) => {
    const byName = new Map(meta.map((m) => [m.name, m]));
    for (const w of want) {
      const got = byName.get(w.name);
      if (!got) {
        problems.push(`${kind} "${w.name}" is missing (the graph has ${[...byName.keys()].join(", ") || "none"})`);
        continue;
      }
      if (!got.isTensor) {
        problems.push(`${kind} "${w.name}" is not a tensor`);
        continue;
      }
      if (got.type !== w.type) problems.push(`${kind} "${w.name}" is ${got.type}, expected ${w.type}`);
      if (got.shape.length !== 0 && got.shape.length !== w.shape.length) {
        problems.push(`${kind} "${w.name}" has rank ${got.shape.length}, expected ${w.shape.length}`);
        continue;
      }
      got.shape.forEach((dim, i) => {
        const expected = w.shape[i];
        const fixed = typeof dim === "number" && dim > 0;
        const hint = w.hint ? ` (${w.hint})` : "";
        if (expected === "dynamic") {
          if (fixed) problems.push(`${kind} "${w.name}" dimension ${i} is fixed at ${dim}${hint}`);
        } else if (fixed && expected != null && dim !== expected) {
          problems.push(`${kind} "${w.name}" dimension ${i} is ${dim}, manifest implies ${expected}${hint}`);
        }
      });
    }
    if (kind === "input") {
      const extra = [...byName.keys()].filter((n) => !want.some((w) => w.name === n));
      if (extra.length > 0)
        problems.push(`unexpected inputs ${extra.join(", ")} (does the manifest's layer count match?)`);
    }
  };
  check("input", session.inputMetadata, spec.inputs);
  check("output", session.outputMetadata, spec.outputs);
  return problems;
}
