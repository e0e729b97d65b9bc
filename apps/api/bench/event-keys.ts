/**
 * Names for runner events that both ends of `bench:api` can compute: the runner side from each event it
 * yields, the receiving side from the GraphQL event that carries it (the API sends a step's per-candidate
 * TOKENS / PREVIEW / finished events as one event, whose latency is counted from the earliest).
 */
import type { RunnerEvent } from "@tessera/shared";

export function runnerEventKey(e: RunnerEvent): string {
  if (e.type === "tokens") return `tokens:${e.candidate}:${e.start}`;
  if (e.type === "preview") return `preview:${e.candidate}:${e.rowsDone}`;
  if (e.type === "candidateFinished") return `finished:${e.candidate}`;
  return e.type.toUpperCase();
}

/** The fields of a GraphQL generation event that name the runner events it carries. */
export interface KeyedEvent {
  kind: string;
  rowsDone?: number | null;
  rows?: { candidate: number; start: number }[] | null;
  previews?: { candidate: number }[] | null;
  finished?: { candidate: number }[] | null;
}

export function keysOf(e: KeyedEvent): string[] {
  if (e.kind === "TOKENS") return e.rows!.map((r) => `tokens:${r.candidate}:${r.start}`);
  if (e.kind === "PREVIEW") return e.previews!.map((p) => `preview:${p.candidate}:${e.rowsDone}`);
  if (e.kind === "CANDIDATES_FINISHED") return e.finished!.map((f) => `finished:${f.candidate}`);
  return [e.kind];
}
