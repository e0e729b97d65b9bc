/**
 * Runner events → the GraphQL `GenerationEvent` shape (minus seq and generationId, added by the log).
 * The runner reports tokens, previews and finished candidates per candidate; the API sends one event
 * for all the candidates of a step (`mergeStep`).
 */
import { exhaustiveSwitchError, type RunnerEvent } from "@tessera/shared";

export interface GqlGenerationEvent {
  kind:
    | "STARTED"
    | "RESTARTED"
    | "TOKENS"
    | "PREVIEW"
    | "CANDIDATES_FINISHED"
    | "RANKING"
    | "FAILED"
    | "CANCELLED"
    | "FINISHED";
  rows?: { candidate: number; start: number; tokens: number[] }[];
  rowsDone?: number;
  previews?: { candidate: number; image: string }[];
  finished?: { candidate: number; candidateId: string; tokens: number[]; image: string | null }[];
  ranking?: { candidate: number; score: number; rank: number }[];
  unknownWords?: string[];
  n?: number;
  errorCode?: string;
  message?: string;
  timings?: { queuedMs: number; firstRowMs: number; decodeMs: number; rankMs: number; totalMs: number; steps: number };
}

const encoded = new WeakMap<Uint8Array, string>();

/**
 * Bytes in base64, encoded once per array: a finished candidate's PNG goes into both the database INSERT
 * and the event's data URL, on the path every watcher waits on; the model's token patches go to every
 * board that opens.
 */
export function base64Of(bytes: Uint8Array): string {
  let b64 = encoded.get(bytes);
  if (b64 === undefined) {
    b64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
    encoded.set(bytes, b64);
  }
  return b64;
}

export function pngDataUrl(png: Uint8Array): string {
  return `data:image/png;base64,${base64Of(png)}`;
}

export function toGqlEvent(e: RunnerEvent, candidateId?: string): GqlGenerationEvent {
  switch (e.type) {
    case "started":
      return { kind: "STARTED", n: e.n, unknownWords: e.unknownWords };
    case "restarted":
      return { kind: "RESTARTED", message: e.reason };
    case "tokens":
      return { kind: "TOKENS", rows: [{ candidate: e.candidate, start: e.start, tokens: e.tokens }] };
    case "preview":
      return {
        kind: "PREVIEW",
        rowsDone: e.rowsDone,
        previews: [{ candidate: e.candidate, image: pngDataUrl(e.png) }],
      };
    case "candidateFinished":
      if (!candidateId) throw new Error("a finished candidate is published once stored, with its id");
      return {
        kind: "CANDIDATES_FINISHED",
        finished: [{ candidate: e.candidate, candidateId, tokens: e.tokens, image: pngDataUrl(e.png) }],
      };
    case "ranking":
      return { kind: "RANKING", ranking: e.ranking };
    case "failed":
      return { kind: "FAILED", errorCode: e.code, message: e.message };
    case "cancelled":
      return { kind: "CANCELLED" };
    case "finished":
      return { kind: "FINISHED", timings: e.timings };
    default:
      return exhaustiveSwitchError(e, "runner event");
  }
}

/** One event for a step's per-candidate TOKENS, PREVIEW or CANDIDATES_FINISHED events (all one kind). */
export function mergeStep(events: GqlGenerationEvent[]): GqlGenerationEvent {
  const [first] = events;
  if (!first) throw new Error("mergeStep needs at least one event");
  if (first.kind === "TOKENS") return { kind: "TOKENS", rows: events.flatMap((e) => e.rows ?? []) };
  if (first.kind === "PREVIEW") {
    return { kind: "PREVIEW", rowsDone: first.rowsDone, previews: events.flatMap((e) => e.previews ?? []) };
  }
  if (first.kind === "CANDIDATES_FINISHED") {
    return { kind: "CANDIDATES_FINISHED", finished: events.flatMap((e) => e.finished ?? []) };
  }
  throw new Error(`mergeStep cannot merge ${first.kind} events`);
}
