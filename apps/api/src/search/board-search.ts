/**
 * Board search by meaning (issue 17 items 1 and 5): every candidate's image has a CLIP embedding (L2-normalised,
 * `real[]`, in CandidateEmbedding), so its cosine similarity with a search is a dot product over all of the board's
 * candidates (brute force). Two ways, with the same answer: over the board held in memory (`EmbeddingIndex`,
 * `searchVectorsInMemory`: ~3× faster at 10,000 candidates), or in SQL (`searchByVector`: a board too large to hold,
 * and the baseline); only the best `limit` rows are joined to their candidate and generation.
 *
 * The SQL, and why brute force: the dot product is written out as one expression of `embedDim` terms
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
import type { BoardVectors, EmbeddingIndex } from "./embedding-index.ts";

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
      -- Ties by id in code-point order (COLLATE "C"), as the in-memory search breaks them.
      ORDER BY "score" DESC NULLS LAST, e."candidateId" COLLATE "C"
      LIMIT ${s.limit}
    ) top
    JOIN "Candidate" c ON c."id" = top."candidateId"
    JOIN "Generation" g ON g."id" = c."generationId"
    ORDER BY top."score" DESC NULLS LAST, c."id" COLLATE "C"`;
}

/**
 * The same search over the board's embeddings held in memory (`EmbeddingIndex`), giving exactly what the SQL
 * gives: the same candidates, scores and order, the scores computed as PostgreSQL computes them (each product
 * and each running sum rounded to float4, in the SQL's order, then the tag boost). That rounding costs ~3.5× a
 * plain float64 dot product in JavaScript, so every row is scored in float64 first, and only the rows within
 * `ROUNDING_MARGIN` of the `limit`-th best are scored again exactly and ordered by that. Only the best `limit`
 * are then read with their candidate and generation.
 */
export async function searchVectorsInMemory(
  prisma: PrismaClient,
  v: BoardVectors,
  s: VectorSearch,
): Promise<CandidateMatchRow[]> {
  const q = Float32Array.from(s.vector);
  if (q.length !== v.dim) throw new Error("the search vector's size is not the board's");
  let qNorm = 0;
  for (const x of q) {
    if (!Number.isFinite(x)) throw new Error("a search vector must be finite");
    qNorm += x * x;
  }
  const boost = s.boostTags?.length ? new Set(s.boostTags) : null;
  const filter = s.filterTags?.length ? s.filterTags : null;
  const { vectors, dim, count } = v;

  // Pass 1, float64: every eligible row's score (NaN: not eligible, or an embedding of another size).
  const rough = new Float64Array(count).fill(Number.NaN);
  const eligible = new Uint8Array(count);
  const cut = new TopN(s.limit);
  for (let i = 0; i < count; i++) {
    const tags = v.tags[i]!;
    if (filter && !filter.every((t) => tags.includes(t))) continue;
    if (v.ids[i] === s.excludeId) continue;
    eligible[i] = 1;
    const base = i * dim;
    let score = 0;
    for (let d = 0; d < dim; d++) score += vectors[base + d]! * q[d]!;
    if (boost && tags.some((t) => boost.has(t))) score += TAG_BOOST;
    rough[i] = score;
    cut.offer(v.ids[i]!, score);
  }
  // Pass 2, float4 as PostgreSQL: the rows that may be in the top `limit` once rounded.
  // The limit-th best in float64 (none when fewer rows are eligible, or when rows of another size fill the top).
  const last = cut.sorted().at(-1);
  const kth =
    cut.sorted().length < s.limit || !last || Number.isNaN(last.score) ? Number.NEGATIVE_INFINITY : last.score;
  const margin = ROUNDING_MARGIN * Math.max(1, Math.sqrt(qNorm) * v.maxNorm);
  const fboost = Math.fround(TAG_BOOST);
  const best = new TopN(s.limit);
  for (let i = 0; i < count; i++) {
    if (!eligible[i]) continue;
    const r = rough[i]!;
    if (!(r >= kth - margin) && !(Number.isNaN(r) && kth === Number.NEGATIVE_INFINITY)) continue;
    const base = i * dim;
    let score = Math.fround(vectors[base]! * q[0]!);
    for (let d = 1; d < dim; d++) score = Math.fround(score + Math.fround(vectors[base + d]! * q[d]!));
    if (boost && v.tags[i]!.some((t) => boost.has(t))) score = Math.fround(score + fboost);
    best.offer(v.ids[i]!, score);
  }
  const top = best.sorted();
  if (top.length === 0) return [];
  const rows = await prisma.$queryRaw<Omit<CandidateMatchRow, "score">[]>`
    SELECT ${COLUMNS} FROM "Candidate" c JOIN "Generation" g ON g."id" = c."generationId"
    WHERE c."id" = ANY(${top.map((t) => t.id)}::text[])`;
  const byId = new Map(rows.map((r) => [r.id, r]));
  // A candidate deleted since its embedding was read is simply left out, as the SQL's join would.
  return top.flatMap((t) => {
    const row = byId.get(t.id);
    return row ? [{ ...row, score: Number.isNaN(t.score) ? null : t.score }] : [];
  });
}

/**
 * How far a float4 dot product (PostgreSQL's, 192 roundings) may stray from the float64 one, per unit of
 * |embedding|·|query|: the float4 error is at most ~193 · 2⁻²⁴ ≈ 1.2e-5 of that; this leaves 8× room.
 */
const ROUNDING_MARGIN = 1e-4;

/** The board's candidates most similar to `vector`, best first: in memory when the index holds the board. */
export async function searchBoardVectors(
  prisma: PrismaClient,
  index: EmbeddingIndex | undefined,
  s: VectorSearch,
): Promise<CandidateMatchRow[]> {
  const held = await index?.vectors(s.boardId, s.model, s.vector.length);
  return held ? searchVectorsInMemory(prisma, held, s) : searchByVector(prisma, s);
}

/**
 * The best `n` of the scores offered: highest first, ties by id in code-point order, NaN (an embedding of
 * another size: SQL's NULL) after every number.
 */
class TopN {
  private readonly items: { id: string; score: number }[] = [];

  constructor(private readonly n: number) {}

  offer(id: string, score: number): void {
    const items = this.items;
    if (items.length === this.n && !before(id, score, items[items.length - 1]!)) return;
    let at = items.length;
    while (at > 0 && before(id, score, items[at - 1]!)) at--;
    items.splice(at, 0, { id, score });
    if (items.length > this.n) items.pop();
  }

  sorted(): { id: string; score: number }[] {
    return this.items;
  }
}

function before(id: string, score: number, other: { id: string; score: number }): boolean {
  const a = Number.isNaN(score) ? Number.NEGATIVE_INFINITY : score;
  const b = Number.isNaN(other.score) ? Number.NEGATIVE_INFINITY : other.score;
  if (a !== b) return a > b;
  if (Number.isNaN(score) !== Number.isNaN(other.score)) return !Number.isNaN(score);
  return id < other.id;
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
