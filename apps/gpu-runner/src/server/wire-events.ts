import { float32FromBase64, float32ToBase64, type RunnerEvent } from "@tessera/shared";

/**
 * RunnerEvents as JSON lines for the standalone runner's HTTP stream: identical to the in-process events,
 * except that `png` bytes travel as base64 strings (`pngBase64`), and a finished candidate's embedding as
 * the base64 of its float32 values, little-endian (`embeddingBase64`): exact, and a third of the size of
 * the same floats written out in JSON.
 */
type CandidateFinished = Extract<RunnerEvent, { type: "candidateFinished" }>;

export type WireEvent =
  | Exclude<RunnerEvent, { type: "preview" } | { type: "candidateFinished" }>
  | { type: "preview"; candidate: number; rowsDone: number; pngBase64: string }
  | (Omit<CandidateFinished, "png" | "embedding"> & { pngBase64: string; embeddingBase64?: string });

export function toWire(e: RunnerEvent): WireEvent {
  if (e.type === "candidateFinished") {
    const { png, embedding, ...rest } = e;
    return {
      ...rest,
      pngBase64: Buffer.from(png).toString("base64"),
      ...(embedding ? { embeddingBase64: float32ToBase64(embedding) } : {}),
    };
  }
  if (e.type === "preview") {
    const { png, ...rest } = e;
    return { ...rest, pngBase64: Buffer.from(png).toString("base64") };
  }
  return e;
}

export function fromWire(e: WireEvent): RunnerEvent {
  if (e.type === "candidateFinished") {
    const { pngBase64, embeddingBase64, ...rest } = e;
    return {
      ...rest,
      png: new Uint8Array(Buffer.from(pngBase64, "base64")),
      ...(embeddingBase64 !== undefined ? { embedding: float32FromBase64(embeddingBase64) } : {}),
    };
  }
  if (e.type === "preview") {
    const { pngBase64, ...rest } = e;
    return { ...rest, png: new Uint8Array(Buffer.from(pngBase64, "base64")) };
  }
  return e;
}
