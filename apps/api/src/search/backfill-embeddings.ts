/**
 * Candidates stored without a CLIP embedding — made before search existed, or by a runner that sent none — get
 * one from their stored token grid, in the background after a start: the model decodes the grid and embeds and
 * tags the image as it does every candidate it finishes today, and the row is written as `recordCandidates`
 * would have written it. Only candidates of the loaded model (a grid's codes mean something only to its own VQ
 * decoder). In batches, each under a transaction-level advisory lock, so API nodes and runners that start
 * together don't do the same work; the model runs below generations in-process (`TESSERA_ENGINE_IDLE`), so a
 * backfill only takes a core nobody else wants.
 */
import type { Logger } from "pino";
import type { PrismaClient } from "../db/index.ts";
import type { ImageDescription } from "../generation/engine.ts";
import { joinTags, realArrayLiteral, TAG_SEPARATOR } from "../generation/record-event.ts";

/** The advisory lock's key (any constant no other lock uses). */
const LOCK_KEY = 0x7e55e1a;

export interface BackfillOptions {
  prisma: PrismaClient;
  model: { name: string; version: string; gridRows: number; gridCols: number };
  describe: (grids: number[][]) => Promise<ImageDescription[]>;
  log: Logger;
  signal?: AbortSignal;
  /** Grids per model call (≤ 32). */
  batch?: number;
  /** Pause between batches, so a long backfill leaves room for everything else. */
  pauseMs?: number;
}

/** Backfills every candidate it can; resolves with how many it gave an embedding. */
export async function backfillEmbeddings(o: BackfillOptions): Promise<number> {
  const batch = o.batch ?? 16;
  const model = `${o.model.name}@${o.model.version}`;
  let done = 0;
  while (!o.signal?.aborted) {
    const step = await o.prisma.$transaction(
      async (tx) => {
        const [lock] = await tx.$queryRaw<{ locked: boolean }[]>`
          SELECT pg_try_advisory_xact_lock(${LOCK_KEY}) AS "locked"`;
        if (!lock?.locked) return "busy" as const;
        const rows = await tx.$queryRaw<{ id: string; tokens: number[] }[]>`
          SELECT c."id", c."tokens"
          FROM "Candidate" c
          JOIN "Generation" g ON g."id" = c."generationId"
          LEFT JOIN "CandidateEmbedding" e ON e."candidateId" = c."id"
          WHERE e."candidateId" IS NULL AND g."modelName" = ${o.model.name} AND g."modelVersion" = ${o.model.version}
            AND cardinality(c."tokens") = ${o.model.gridRows * o.model.gridCols}
          ORDER BY c."id"
          LIMIT ${batch}`;
        if (rows.length === 0) return "done" as const;
        const described = await o.describe(rows.map((r) => r.tokens));
        await tx.$executeRaw`
          WITH r AS (
            SELECT * FROM unnest(${rows.map((r) => r.id)}::text[], ${described.map((d) => realArrayLiteral(d.embedding))}::text[],
                                 ${described.map((d) => joinTags(d.tags))}::text[]) AS r(id, embedding, tags)
          ), tagged AS (
            UPDATE "Candidate" c SET "tags" = string_to_array(r.tags, ${TAG_SEPARATOR})
            FROM r WHERE c."id" = r.id AND c."tags" IS NULL
          )
          INSERT INTO "CandidateEmbedding" ("candidateId", "boardId", "model", "embedding", "tags")
          SELECT r.id, g."boardId", ${model}, r.embedding::real[],
                 coalesce(c."tags", string_to_array(r.tags, ${TAG_SEPARATOR}))
          FROM r JOIN "Candidate" c ON c."id" = r.id JOIN "Generation" g ON g."id" = c."generationId"
          ON CONFLICT ("candidateId") DO NOTHING`;
        return rows.length;
      },
      // The model call is inside: it may wait behind generations.
      { timeout: 120_000, maxWait: 10_000 },
    );
    if (step === "done" || step === "busy") break;
    done += step;
    await new Promise((r) => setTimeout(r, o.pauseMs ?? 50));
  }
  if (done > 0) o.log.info({ candidates: done, model }, "embeddings backfilled");
  return done;
}

/**
 * Starts `backfillEmbeddings` in the background (after a start: API in-process, or a runner process); `stop` aborts
 * it and waits for the batch in flight. A failure is logged, never thrown: the backfill is a convenience.
 */
export function startEmbeddingBackfill(o: Omit<BackfillOptions, "signal">): { stop(): Promise<void> } {
  const abort = new AbortController();
  const running = backfillEmbeddings({ ...o, signal: abort.signal }).catch((err) => {
    if (!abort.signal.aborted) o.log.warn({ err }, "embedding backfill stopped");
  });
  return {
    async stop() {
      abort.abort();
      await running;
    },
  };
}
