/**
 * Board search by meaning (issue 17 items 1 and 5), in SQL: every candidate's image has a CLIP embedding
 * (L2-normalised, `real[]`, in CandidateEmbedding), so its cosine similarity with a search is a dot product,
 * computed by PostgreSQL over all of the board's candidates (brute force) and sorted there; only the best
 * `limit` rows come back, and only they are joined to their candidate and generation.
 *
 * Why brute force, and how it scales: the dot product is written out as one expression of `embedDim` terms
 * (`embedding[1] * $1 + …`, each query float a parameter PostgreSQL folds into a constant), over a narrow table
 * that holds the board and model itself, so the scan needs no join: linear in the board's candidates, ~3.4 µs
 * each here (`npm run bench:search`, figures in the README). Measured and dropped on the same 10,000 rows:
 * `unnest(embedding, query)` with `sum()` (5× slower), a query array subscripted per term (1.4× slower), the
 * same expression on Candidate joined to Generation (2× slower: the join, not the row width, costs most), a
 * parallel plan (slower on 2 cores). Past a few tens of thousands of candidates per board, or wherever the
 * database has it, pgvector is the path: a `vector(192)` column with an HNSW index answers
 * `ORDER BY embedding <#> $q LIMIT k` in milliseconds at millions of rows; the embedded PostgreSQL ships
 * without it, hence this.
 *
 * Only embeddings of the model that embeds the query are compared: another bundle's live in another space.
 */
import { Prisma, type PrismaClient } from "../db/index.ts";

export interface SearchModel {
  name: string;
  version: string;
}

export interface CandidateMatchRow {
  id: string;
  generationId: string;
  index: number;
  tokens: number[];
  clipScore: number | null;
  rank: number | null;
  tags: string[];
  cardId: string;
  prompt: string;
  score: number | null;
}

/** Added to a candidate's similarity when it carries a tag the search names: it moves ahead of near ties. */
export const TAG_BOOST = 0.1;

const COLUMNS = Prisma.sql`c."id", c."generationId", c."index", c."tokens", c."clipScore", c."rank",
  coalesce(c."tags", '{}') AS "tags", g."cardId", g."prompt"`;

export interface VectorSearch {
  boardId: string;
  /** `modelKey` of the model that embedded `vector`. */
  model: string;
  vector: ArrayLike<number>;
  limit: number;
  /** Candidates carrying any of these get TAG_BOOST. */
  boostTags?: string[];
  /** Only candidates carrying all of these. */
  filterTags?: string[];
  /** Leave this candidate out (the one "more like this" starts from). */
  excludeId?: string;
}

/** The board's candidates most similar to `vector`, best first. */
export async function searchByVector(prisma: PrismaClient, s: VectorSearch): Promise<CandidateMatchRow[]> {
  const terms = Array.from(s.vector, (x, d) => {
    if (!Number.isFinite(x)) throw new Error("a search vector must be finite");
    return Prisma.sql`e."embedding"[${Prisma.raw(String(d + 1))}] * ${x}::real`;
  });
  const boost = s.boostTags?.length
    ? Prisma.sql` + CASE WHEN e."tags" && ${s.boostTags}::text[] THEN ${TAG_BOOST}::real ELSE 0 END`
    : Prisma.empty;
  return prisma.$queryRaw<CandidateMatchRow[]>`
    SELECT ${COLUMNS}, top."score"
    FROM (
      SELECT e."candidateId", (${Prisma.join(terms, " + ")}${boost})::float8 AS "score"
      FROM "CandidateEmbedding" e
      WHERE e."boardId" = ${s.boardId} AND e."model" = ${s.model}
        ${s.filterTags?.length ? Prisma.sql`AND e."tags" @> ${s.filterTags}::text[]` : Prisma.empty}
        ${s.excludeId ? Prisma.sql`AND e."candidateId" <> ${s.excludeId}` : Prisma.empty}
      -- One model has one embedding size, so no cardinality() check (it cost a third of the scan); an array of
      -- another size would score NULL, and NULLs go last.
      ORDER BY "score" DESC NULLS LAST, e."candidateId"
      LIMIT ${s.limit}
    ) top
    JOIN "Candidate" c ON c."id" = top."candidateId"
    JOIN "Generation" g ON g."id" = c."generationId"
    ORDER BY top."score" DESC, c."id"`;
}

/** How CandidateEmbedding names the model that embedded a row. */
export function modelKey(m: SearchModel): string {
  return `${m.name}@${m.version}`;
}

/** The board's candidates carrying every one of `tags`, newest first. */
export async function listByTags(
  prisma: PrismaClient,
  s: { boardId: string; tags: string[]; limit: number },
): Promise<CandidateMatchRow[]> {
  return prisma.$queryRaw<CandidateMatchRow[]>`
    SELECT ${COLUMNS}, NULL::float8 AS "score"
    FROM "Candidate" c
    JOIN "Generation" g ON g."id" = c."generationId"
    WHERE g."boardId" = ${s.boardId} AND c."tags" @> ${s.tags}::text[]
    ORDER BY g."createdAt" DESC, c."index"
    LIMIT ${s.limit}`;
}

/** The board's most common tags, most common first (ties by name). */
export async function boardTagCounts(
  prisma: PrismaClient,
  boardId: string,
  limit: number,
): Promise<{ tag: string; count: number }[]> {
  return prisma.$queryRaw<{ tag: string; count: number }[]>`
    SELECT t.tag, count(*)::int AS "count"
    FROM "Candidate" c
    JOIN "Generation" g ON g."id" = c."generationId"
    CROSS JOIN LATERAL unnest(c."tags") AS t(tag)
    WHERE g."boardId" = ${boardId}
    GROUP BY t.tag
    ORDER BY "count" DESC, t.tag
    LIMIT ${limit}`;
}

export interface SimilarityTarget {
  id: string;
  boardId: string;
  /** Null for a candidate made before search existed. */
  embedding: number[] | null;
  model: string | null;
  tags: string[];
  role: string | null;
}

/** A candidate's embedding, its board, and the caller's role there, in one statement. */
export async function candidateForSimilarity(
  prisma: PrismaClient,
  candidateId: string,
  userId: string,
): Promise<SimilarityTarget | undefined> {
  const [row] = await prisma.$queryRaw<SimilarityTarget[]>`
    SELECT c."id", g."boardId", e."embedding", e."model", coalesce(c."tags", '{}') AS "tags", m."role"::text AS "role"
    FROM "Candidate" c
    JOIN "Generation" g ON g."id" = c."generationId"
    LEFT JOIN "CandidateEmbedding" e ON e."candidateId" = c."id"
    LEFT JOIN "BoardMember" m ON m."boardId" = g."boardId" AND m."userId" = ${userId}
    WHERE c."id" = ${candidateId}`;
  return row;
}

/**
 * Recent search texts' embeddings, so a text many people search ("red") or one typed again costs no model
 * run. Keyed by the model too: a new bundle makes old entries useless.
 */
export class TextEmbeddingCache<T> {
  private readonly entries = new Map<string, Promise<T>>();

  constructor(private readonly max = 500) {}

  get(key: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit) {
      // Most recently used last: Map keeps insertion order, so the first key is the least recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const value = compute();
    this.entries.set(key, value);
    // A failure is not kept: the next search asks again.
    value.catch(() => {
      if (this.entries.get(key) === value) this.entries.delete(key);
    });
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}
