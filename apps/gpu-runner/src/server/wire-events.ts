import type { RunnerEvent } from "@tessera/shared";

/**
 * RunnerEvents as JSON lines for the standalone runner's HTTP stream: identical to the in-process events,
 * except that `png` bytes travel as base64 strings (`pngBase64`).
 */
export type WireEvent =
  | Exclude<RunnerEvent, { type: "preview" } | { type: "candidateFinished" }>
  | { type: "preview"; candidate: number; rowsDone: number; pngBase64: string }
  | { type: "candidateFinished"; candidate: number; tokens: number[]; pngBase64: string };

export function toWire(e: RunnerEvent): WireEvent {
  if (e.type === "preview" || e.type === "candidateFinished") {
    const { png, ...rest } = e;
    return { ...rest, pngBase64: Buffer.from(png).toString("base64") };
  }
  return e;
}

export function fromWire(e: WireEvent): RunnerEvent {
  if (e.type === "preview" || e.type === "candidateFinished") {
    const { pngBase64, ...rest } = e;
    return { ...rest, png: new Uint8Array(Buffer.from(pngBase64, "base64")) };
  }
  return e;
}
