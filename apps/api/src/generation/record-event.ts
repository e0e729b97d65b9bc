/**
 * What a runner event changes in the database, shared by the in-process service and the Redis runner
 * worker. Every write happens before the event that announces it is published, so a client that sees an
 * event and reloads finds the same thing in the database. Candidates are upserted on (generationId,
 * index): a job retried after its runner died rewrites the same rows instead of adding new ones, and
 * candidate ids (and votes on them) survive the retry.
 */
import type { RunnerEvent } from "@tessera/shared";
import { newId } from "../auth/index.ts";
import type { PrismaClient } from "../db/index.ts";

export type TerminalStatus = "FINISHED" | "FAILED" | "CANCELLED";

/** Persists a non-terminal event; returns the candidate id for `candidateFinished`. */
export async function recordEvent(
  prisma: PrismaClient,
  generationId: string,
  e: RunnerEvent,
): Promise<string | undefined> {
  if (e.type === "started") {
    await prisma.generation.update({
      where: { id: generationId },
      data: { status: "RUNNING", startedAt: new Date(), unknownWords: e.unknownWords },
    });
  } else if (e.type === "candidateFinished") {
    const row = await prisma.candidate.upsert({
      where: { generationId_index: { generationId, index: e.candidate } },
      create: { id: newId(), generationId, index: e.candidate, tokens: e.tokens, png: Buffer.from(e.png) },
      update: { tokens: e.tokens, png: Buffer.from(e.png), clipScore: null, rank: null },
      select: { id: true },
    });
    return row.id;
  } else if (e.type === "ranking") {
    // One statement for the whole ranking (one round trip, not one UPDATE per candidate): the RANKING
    // event waits for it.
    const index = e.ranking.map((r) => r.candidate);
    const score = e.ranking.map((r) => r.score);
    const rank = e.ranking.map((r) => r.rank);
    await prisma.$executeRaw`
      UPDATE "Candidate" AS c SET "clipScore" = r.score, "rank" = r.rank
      FROM unnest(${index}::int[], ${score}::float8[], ${rank}::int[]) AS r(idx, score, rank)
      WHERE c."generationId" = ${generationId} AND c."index" = r.idx`;
  }
  return undefined;
}

export async function finishGeneration(
  prisma: PrismaClient,
  generationId: string,
  status: TerminalStatus,
  error: string | null,
  timings: object | null,
): Promise<void> {
  await prisma.generation.update({
    where: { id: generationId },
    data: {
      status,
      error,
      finishedAt: new Date(),
      ...(timings ? { timings: timings as Record<string, number> } : {}),
    },
  });
}

/** The status and error a terminal runner event leaves, or null for a non-terminal one. */
export function terminalOf(
  e: RunnerEvent,
): { status: TerminalStatus; error: string | null; timings: object | null } | null {
  if (e.type === "finished") return { status: "FINISHED", error: null, timings: e.timings };
  if (e.type === "failed") return { status: "FAILED", error: `${e.code}: ${e.message}`, timings: null };
  if (e.type === "cancelled") return { status: "CANCELLED", error: null, timings: null };
  return null;
}
