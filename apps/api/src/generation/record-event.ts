/**
 * What a runner event changes in the database, shared by the in-process service and the Redis runner
 * worker. Every write happens before the event that announces it is published, so a client that sees an
 * event and reloads finds the same thing in the database. Candidates are upserted on (generationId,
 * index): a job retried after its runner died rewrites the same rows instead of adding new ones, and
 * candidate ids (and votes on them) survive the retry.
 */
import type { RunnerEvent } from "@tessera/shared";
import { newId } from "../auth/index.ts";
import { Prisma, type PrismaClient } from "../db/index.ts";
import { type GqlGenerationEvent, toGqlEvent } from "./to-gql-event.ts";

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
    return (await recordCandidates(prisma, generationId, [e]))[0];
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

type CandidateFinished = Extract<RunnerEvent, { type: "candidateFinished" }>;

/**
 * Stores finished candidates in one statement (one round trip for the whole batch) and returns their ids
 * in the batch's order. An upsert on (generationId, index): a retried job rewrites its rows, and a
 * rewritten row keeps its id (and votes) while its stale ranking is cleared.
 */
export async function recordCandidates(
  prisma: PrismaClient,
  generationId: string,
  batch: CandidateFinished[],
): Promise<string[]> {
  const values = batch.map(
    (e) => Prisma.sql`(${newId()}, ${generationId}, ${e.candidate}, ${e.tokens}::int[], ${Buffer.from(e.png)})`,
  );
  const rows = await prisma.$queryRaw<{ id: string; index: number }[]>`
    INSERT INTO "Candidate" ("id", "generationId", "index", "tokens", "png")
    VALUES ${Prisma.join(values)}
    ON CONFLICT ("generationId", "index") DO UPDATE
      SET "tokens" = EXCLUDED."tokens", "png" = EXCLUDED."png", "clipScore" = NULL, "rank" = NULL
    RETURNING "id", "index"`;
  const ids = new Map(rows.map((r) => [r.index, r.id]));
  return batch.map((e) => ids.get(e.candidate)!);
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

export interface RecordStreamOptions {
  prisma: PrismaClient;
  generationId: string;
  events: AsyncIterable<RunnerEvent>;
  /** Sends one event to subscribers; called in the runner's order, after what it announces is stored. */
  publish: (event: GqlGenerationEvent) => unknown;
  /** Before the event is recorded (metrics). */
  onEvent?: (event: RunnerEvent) => void;
  /** After the event is recorded, before it is published (e.g. board activity for a stored ranking). */
  onRecorded?: (event: RunnerEvent) => void;
}

/**
 * Records a generation's runner events and publishes each one, in the runner's order, once what it
 * announces is stored; returns the terminal status (null if the stream ended without one).
 *
 * The runner finishes a generation's n candidates together and sends their events back to back. Written
 * one by one, the last candidate waited behind n round trips on a busy event loop (bench:api), so they
 * are held until all n (announced by `started`) have arrived — or until any other event or the end of
 * the stream — and stored in one statement.
 */
export async function recordAndPublish(o: RecordStreamOptions): Promise<TerminalStatus | null> {
  let status: TerminalStatus | null = null;
  let expected = Number.POSITIVE_INFINITY;
  let held: CandidateFinished[] = [];
  const flush = async () => {
    if (held.length === 0) return;
    const batch = held;
    held = [];
    const ids = await recordCandidates(o.prisma, o.generationId, batch);
    for (const [i, e] of batch.entries()) {
      o.onRecorded?.(e);
      await o.publish(toGqlEvent(e, ids[i]));
    }
  };
  try {
    for await (const e of o.events) {
      o.onEvent?.(e);
      if (e.type === "started") expected = e.n;
      if (e.type === "candidateFinished") {
        held.push(e);
        if (held.length >= expected) await flush();
        continue;
      }
      await flush();
      const candidateId = await recordEvent(o.prisma, o.generationId, e);
      const terminal = terminalOf(e);
      if (terminal) {
        // Terminal state is persisted before the terminal event goes out: a client that sees FINISHED and
        // reloads finds the same thing in the database.
        status = terminal.status;
        await finishGeneration(o.prisma, o.generationId, terminal.status, terminal.error, terminal.timings);
      }
      o.onRecorded?.(e);
      await o.publish(toGqlEvent(e, candidateId));
    }
    await flush();
  } catch (e) {
    // Candidates that did finish are kept (and announced before the caller's FAILED or CANCELLED).
    await flush().catch(() => {});
    throw e;
  }
  return status;
}
