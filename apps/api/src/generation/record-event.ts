/**
 * What a runner event changes in the database, shared by the in-process service and the Redis runner
 * worker. Every write happens before the event that announces it is published, so a client that sees an
 * event and reloads finds the same thing in the database. Candidates are upserted on (generationId,
 * index): a job retried after its runner died rewrites the same rows instead of adding new ones, and
 * candidate ids (and votes on them) survive the retry.
 */
import type { CandidateRanking, RunnerEvent } from "@tessera/shared";
import { newId } from "../auth/index.ts";
import { Prisma, type PrismaClient } from "../db/index.ts";
import { Lookahead } from "./lookahead.ts";
import { base64Of, type GqlGenerationEvent, mergeStep, toGqlEvent } from "./to-gql-event.ts";

export type TerminalStatus = "FINISHED" | "FAILED" | "CANCELLED";

/** Persists a non-terminal event other than a finished candidate (`recordCandidates`). */
export async function recordEvent(prisma: PrismaClient, generationId: string, e: RunnerEvent): Promise<void> {
  if (e.type === "started") {
    await prisma.generation.update({
      where: { id: generationId },
      data: { status: "RUNNING", startedAt: new Date(), unknownWords: e.unknownWords },
    });
  } else if (e.type === "ranking") {
    await prisma.$executeRaw(rankCandidates(generationId, e.ranking));
  }
}

/**
 * One statement for a whole ranking (one round trip, not one UPDATE per candidate): the RANKING event
 * waits for it.
 */
function rankCandidates(generationId: string, ranking: CandidateRanking[]): Prisma.Sql {
  return Prisma.sql`
    UPDATE "Candidate" AS c SET "clipScore" = r.score, "rank" = r.rank
    FROM unnest(${ranking.map((r) => r.candidate)}::int[], ${ranking.map((r) => r.score)}::float8[],
                ${ranking.map((r) => r.rank)}::int[]) AS r(idx, score, rank)
    WHERE c."generationId" = ${generationId} AND c."index" = r.idx`;
}

type CandidateFinished = Extract<RunnerEvent, { type: "candidateFinished" }>;

export const TAG_SEPARATOR = "\u001f";

/** An embedding as a `real[]` literal: 9 significant digits read back as the same float32. */
export function realArrayLiteral(v: ArrayLike<number>): string {
  return `{${Array.from(v, (x) => x.toPrecision(9)).join(",")}}`;
}

/** Tags as one text, joined by a unit separator (which no tag holds): `string_to_array(t, TAG_SEPARATOR)`. */
export function joinTags(tags: readonly string[]): string {
  return tags.map((t) => t.replaceAll(TAG_SEPARATOR, " ")).join(TAG_SEPARATOR);
}

/**
 * Stores finished candidates in one statement (one round trip for the whole batch), with their tags and, in
 * CandidateEmbedding, their CLIP embeddings (search, issue 17), and returns their ids in the batch's order.
 * An upsert on (generationId, index): a retried job rewrites its rows, and a rewritten row keeps its id (and
 * votes) while its stale ranking is cleared and its embedding replaced.
 *
 * Each column goes as one text array (PNGs in base64, token grids as array literals) that PostgreSQL
 * unpacks: Prisma's own encoding of per-row byte and int[] parameters took ~1.5 ms of the event loop per
 * batch before the statement even left, and every watcher waits for this statement (bench:api).
 */
export async function recordCandidates(
  prisma: Pick<PrismaClient, "$queryRaw">,
  generationId: string,
  batch: CandidateFinished[],
): Promise<string[]> {
  const ids = batch.map(() => newId());
  const indexes = batch.map((e) => e.candidate);
  const grids = batch.map((e) => `{${e.tokens.join(",")}}`);
  const pngs = batch.map((e) => base64Of(e.png));
  // Embeddings as real[] literals (9 significant digits read back as the same float32) and tags joined by a
  // unit separator, which no tag holds: the same one-text-array-per-column shape as the rest. Null where a
  // runner sent none (one older than search): then no embedding row, and a stale one from an earlier attempt
  // goes.
  const embeddings = batch.map((e) => (e.embedding ? realArrayLiteral(e.embedding) : null));
  const tags = batch.map((e) => joinTags(e.tags ?? []));
  const rows = await prisma.$queryRaw<{ id: string; index: number }[]>`
    WITH r AS (
      SELECT * FROM unnest(${ids}::text[], ${indexes}::int[], ${grids}::text[], ${pngs}::text[],
                           ${embeddings}::text[], ${tags}::text[]) AS r(id, idx, grid, png, embedding, tags)
    ), stored AS (
      INSERT INTO "Candidate" ("id", "generationId", "index", "tokens", "png", "tags")
      SELECT r.id, ${generationId}, r.idx, r.grid::int[], decode(r.png, 'base64'), string_to_array(r.tags, ${TAG_SEPARATOR})
      FROM r
      ON CONFLICT ("generationId", "index") DO UPDATE
        SET "tokens" = EXCLUDED."tokens", "png" = EXCLUDED."png", "tags" = EXCLUDED."tags", "clipScore" = NULL,
            "rank" = NULL
      RETURNING "id", "index", "tags"
    ), embedded AS (
      INSERT INTO "CandidateEmbedding" ("candidateId", "boardId", "model", "embedding", "tags")
      SELECT s.id, g."boardId", g."modelName" || '@' || g."modelVersion", r.embedding::real[], s.tags
      FROM stored s JOIN r ON r.idx = s.index JOIN "Generation" g ON g."id" = ${generationId}
      WHERE r.embedding IS NOT NULL
      ON CONFLICT ("candidateId") DO UPDATE
        SET "embedding" = EXCLUDED."embedding", "tags" = EXCLUDED."tags", "model" = EXCLUDED."model",
            "seq" = EXCLUDED."seq"
    ), unembedded AS (
      DELETE FROM "CandidateEmbedding"
      WHERE "candidateId" IN (SELECT s.id FROM stored s JOIN r ON r.idx = s.index WHERE r.embedding IS NULL)
    )
    SELECT "id", "index" FROM stored`;
  const byIndex = new Map(rows.map((r) => [r.index, r.id]));
  return batch.map((e) => byIndex.get(e.candidate)!);
}

/**
 * A ranking and the end of its generation in one statement (one round trip): the runner sends them back
 * to back, and each round trip waited behind the previous event's fan-out (bench:api).
 */
async function recordRankingAndFinish(
  prisma: PrismaClient,
  generationId: string,
  ranking: CandidateRanking[],
  timings: object,
): Promise<void> {
  await prisma.$executeRaw`
    WITH ranked AS (${rankCandidates(generationId, ranking)})
    UPDATE "Generation"
    SET "status" = 'FINISHED', "error" = NULL, "finishedAt" = (now() AT TIME ZONE 'UTC'),
        "timings" = ${JSON.stringify(timings)}::jsonb
    WHERE "id" = ${generationId}`;
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

/** Events the runner sends once per candidate of a step, which the API stores or sends together. */
function stepGroup(e: RunnerEvent): string | null {
  if (e.type === "tokens") return "tokens";
  if (e.type === "preview") return `preview:${e.rowsDone}`;
  if (e.type === "candidateFinished") return "finished";
  return null;
}

/** At most this many steps' tokens go out as one TOKENS event when the API has fallen behind the runner. */
const MAX_COALESCED_STEPS = 4;

/**
 * Records a generation's runner events and publishes them, in the runner's order, once what they announce
 * is stored; returns the terminal status (null if the stream ended without one).
 *
 * The runner reports tokens, previews and finished candidates once per candidate, back to back for the n
 * candidates of a step. Fanned out one by one to hundreds of watchers, that many messages outran the
 * event loop (bench:api), so a step's events are held until all n (announced by `started`) have arrived
 * — or until any other event or the end of the stream — and go out as one TOKENS, PREVIEW or
 * CANDIDATES_FINISHED event; finished candidates are stored in one statement before theirs is sent.
 * Only when the API has fallen behind (the next events are already here), more is batched, never by
 * waiting: the next step's tokens join the same TOKENS event, and a ranking followed by the end of the
 * generation is stored in one statement.
 */
export async function recordAndPublish(o: RecordStreamOptions): Promise<TerminalStatus | null> {
  const events = new Lookahead(o.events[Symbol.asyncIterator]());
  let status: TerminalStatus | null = null;
  let expected = Number.POSITIVE_INFINITY;
  let heldGroup: string | null = null;
  let held: RunnerEvent[] = [];
  let ahead: RunnerEvent | null = null;
  const take = async (): Promise<RunnerEvent | null> => {
    if (ahead) {
      const e = ahead;
      ahead = null;
      return e;
    }
    const r = await events.next();
    return r.done ? null : r.value;
  };
  const flush = async () => {
    if (held.length === 0) return;
    const batch = held;
    held = [];
    heldGroup = null;
    if (batch[0]!.type !== "candidateFinished") {
      // Tokens and previews are not stored: the finished candidates carry the whole grid.
      for (const e of batch) o.onRecorded?.(e);
      await o.publish(mergeStep(batch.map((e) => toGqlEvent(e))));
      return;
    }
    const finished = batch as CandidateFinished[];
    const ids = await recordCandidates(o.prisma, o.generationId, finished);
    for (const e of finished) o.onRecorded?.(e);
    await o.publish(mergeStep(finished.map((e, i) => toGqlEvent(e, ids[i]))));
  };
  const announce = async (...done: RunnerEvent[]) => {
    for (const e of done) {
      o.onRecorded?.(e);
      await o.publish(toGqlEvent(e));
    }
  };
  try {
    for (let e = await take(); e; e = await take()) {
      o.onEvent?.(e);
      if (e.type === "started") expected = e.n;
      const group = stepGroup(e);
      if (group !== null) {
        if (group !== heldGroup) await flush();
        heldGroup = group;
        held.push(e);
        if (held.length % expected !== 0) continue;
        if (group === "tokens" && held.length < expected * MAX_COALESCED_STEPS) {
          ahead = await events.nextIfReady();
          if (ahead?.type === "tokens") continue;
        }
        await flush();
        continue;
      }
      await flush();
      if (e.type === "ranking") {
        ahead = await events.nextIfReady();
        if (ahead?.type === "finished") {
          const end = ahead;
          ahead = null;
          o.onEvent?.(end);
          await recordRankingAndFinish(o.prisma, o.generationId, e.ranking, end.timings);
          status = "FINISHED";
          await announce(e, end);
          continue;
        }
      }
      await recordEvent(o.prisma, o.generationId, e);
      const terminal = terminalOf(e);
      if (terminal) {
        // Terminal state is persisted before the terminal event goes out: a client that sees FINISHED and
        // reloads finds the same thing in the database.
        status = terminal.status;
        await finishGeneration(o.prisma, o.generationId, terminal.status, terminal.error, terminal.timings);
      }
      await announce(e);
    }
    await flush();
  } catch (e) {
    // What did arrive is kept and announced before the caller's FAILED or CANCELLED.
    await flush().catch(() => {});
    await events.return().catch(() => {});
    throw e;
  }
  return status;
}
