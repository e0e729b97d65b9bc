/** Runner events → the GraphQL `GenerationEvent` shape (minus seq and generationId, added by the log). */
import { exhaustiveSwitchError, type RunnerEvent } from "@tessera/shared";

export interface GqlGenerationEvent {
  kind:
    | "STARTED"
    | "RESTARTED"
    | "TOKENS"
    | "PREVIEW"
    | "CANDIDATE_FINISHED"
    | "RANKING"
    | "FAILED"
    | "CANCELLED"
    | "FINISHED";
  candidate?: number;
  start?: number;
  tokens?: number[];
  rowsDone?: number;
  image?: string;
  candidateId?: string;
  ranking?: { candidate: number; score: number; rank: number }[];
  unknownWords?: string[];
  n?: number;
  errorCode?: string;
  message?: string;
  timings?: { queuedMs: number; firstRowMs: number; decodeMs: number; rankMs: number; totalMs: number; steps: number };
}

export function pngDataUrl(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png).toString("base64")}`;
}

export function toGqlEvent(e: RunnerEvent, candidateId?: string): GqlGenerationEvent {
  switch (e.type) {
    case "started":
      return { kind: "STARTED", n: e.n, unknownWords: e.unknownWords };
    case "restarted":
      return { kind: "RESTARTED", message: e.reason };
    case "tokens":
      return { kind: "TOKENS", candidate: e.candidate, start: e.start, tokens: e.tokens };
    case "preview":
      return { kind: "PREVIEW", candidate: e.candidate, rowsDone: e.rowsDone, image: pngDataUrl(e.png) };
    case "candidateFinished":
      return {
        kind: "CANDIDATE_FINISHED",
        candidate: e.candidate,
        tokens: e.tokens,
        image: pngDataUrl(e.png),
        candidateId,
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
