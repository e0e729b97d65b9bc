/**
 * Each board's CLIP embeddings held in memory, so a search scores them in JavaScript instead of having
 * PostgreSQL evaluate a 192-term expression per row (~3.4 µs a candidate: 38 ms at 10,000, past 100 ms at 30,000;
 * bench:search). The database stays the truth: every search asks it, in one statement, how many rows the board
 * has and which ones are newer than the ones held (`CandidateEmbedding.seq`, taken on every insert and every
 * rewrite), and applies them; when the count then disagrees (rows were deleted), the board is read again whole.
 * So nothing has to tell this index about a change: a runner on another machine, a retried job or a deleted
 * board are all seen by the next search, as they would be by SQL.
 *
 * Bounded: boards are kept least recently searched first out, within `maxFloats` floats in all; a board larger
 * than that alone is not held (`vectors` answers null and the search runs in SQL).
 */
import type { PrismaClient } from "../db/index.ts";

/** `fetch` from below every `seq` (a sequence starts at 1; a row may be given any number). */
const WHOLE = -1n;

/** 32 M floats, 128 MB: ~16 boards of 10,000 candidates at 192 dimensions. */
export const DEFAULT_MAX_FLOATS = 32 * 1024 * 1024;

/** A board's embeddings of one model, as of the search that asked. */
export interface BoardVectors {
  readonly count: number;
  readonly dim: number;
  /** Row i's candidate, tags and embedding (`vectors[i·dim … (i+1)·dim)`; NaN where a row has another size). */
  readonly ids: readonly string[];
  readonly tags: readonly (readonly string[])[];
  readonly vectors: Float32Array;
  /** No row's L2 norm is larger (embeddings are normalised: ~1); bounds the search's rounding margin. */
  readonly maxNorm: number;
}

interface Entry {
  count: number;
  dim: number;
  ids: string[];
  tags: string[][];
  vectors: Float32Array;
  rowOf: Map<string, number>;
  /** Each row's `seq`, the highest applied, and their sum (compared with the database's). */
  seqs: bigint[];
  seq: bigint;
  seqSum: bigint;
  maxNorm: number;
}

interface Fetched {
  n: number;
  sum: string;
  candidateId: string | null;
  tags: string[] | null;
  raw: Uint8Array | null;
  seq: bigint | null;
}

export class EmbeddingIndex {
  /** In least recently searched order (a Map keeps insertion order; a search moves its board last). */
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<BoardVectors | null>>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly maxFloats = DEFAULT_MAX_FLOATS,
  ) {}

  /** Floats held now, all boards together. */
  get heldFloats(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.vectors.length;
    return n;
  }

  /**
   * The board's `model` embeddings of `dim` floats as the database holds them now, or null when the board is
   * too large to hold (search it in SQL). Concurrent searches of one board share one catch-up.
   */
  vectors(boardId: string, model: string, dim: number): Promise<BoardVectors | null> {
    const key = `${boardId}\n${model}\n${dim}`;
    let p = this.inFlight.get(key);
    if (!p) {
      p = this.catchUp(key, boardId, model, dim).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, p);
    }
    return p;
  }

  private async catchUp(key: string, boardId: string, model: string, dim: number): Promise<BoardVectors | null> {
    const held = this.entries.get(key);
    this.entries.delete(key); // set again below, last: the most recently searched
    const rows = await this.fetch(boardId, model, held?.seq ?? WHOLE);
    const { n, sum } = rows[0]!;
    if (n * dim > this.maxFloats) return null;
    let entry = held ?? emptyEntry(dim);
    apply(entry, rows, dim);
    if (entry.count !== n || entry.seqSum !== BigInt(sum)) {
      // Rows were deleted (a board, or an embedding a retried job came back without): read the board again.
      entry = emptyEntry(dim);
      apply(entry, await this.fetch(boardId, model, WHOLE), dim);
    }
    this.entries.set(key, entry);
    this.evict(key);
    return entry;
  }

  /**
   * The board's row count and the sum of its rows' `seq` (which a deletion changes even when an insert keeps the
   * count), with its rows whose `seq` is above `after`: one statement, one snapshot.
   */
  private fetch(boardId: string, model: string, after: bigint): Promise<Fetched[]> {
    return this.prisma.$queryRaw<Fetched[]>`
      WITH head AS (
        SELECT count(*)::int AS "n", coalesce(sum("seq"), 0)::text AS "sum"
        FROM "CandidateEmbedding" WHERE "boardId" = ${boardId} AND "model" = ${model}
      )
      SELECT head."n", head."sum", r."candidateId", r."tags", r."raw", r."seq"
      FROM head LEFT JOIN LATERAL (
        SELECT "candidateId", coalesce("tags", '{}') AS "tags", array_send("embedding") AS "raw", "seq"
        FROM "CandidateEmbedding"
        WHERE "boardId" = ${boardId} AND "model" = ${model} AND "seq" > ${after}
        ORDER BY "seq"
      ) r ON true`;
  }

  private evict(keep: string): void {
    let held = this.heldFloats;
    for (const [key, e] of this.entries) {
      if (held <= this.maxFloats) break;
      if (key === keep) continue;
      this.entries.delete(key);
      held -= e.vectors.length;
    }
  }
}

function emptyEntry(dim: number): Entry {
  return {
    count: 0,
    dim,
    ids: [],
    tags: [],
    vectors: new Float32Array(0),
    rowOf: new Map(),
    seqs: [],
    seq: 0n,
    seqSum: 0n,
    maxNorm: 0,
  };
}

/** Adds or replaces the fetched rows (a rewritten embedding keeps its row and takes its new `seq`). */
function apply(entry: Entry, rows: Fetched[], dim: number): void {
  for (const r of rows) {
    if (r.candidateId === null || r.raw === null || r.seq === null) continue;
    const seq = BigInt(r.seq);
    let i = entry.rowOf.get(r.candidateId);
    if (i === undefined) {
      i = entry.count++;
      entry.rowOf.set(r.candidateId, i);
      entry.ids.push(r.candidateId);
      entry.tags.push(r.tags ?? []);
      entry.seqs.push(seq);
      if (entry.vectors.length < entry.count * dim) {
        const grown = new Float32Array(Math.max(entry.count * dim, entry.vectors.length * 2));
        grown.set(entry.vectors);
        entry.vectors = grown;
      }
    } else {
      entry.tags[i] = r.tags ?? [];
      entry.seqSum -= entry.seqs[i]!;
      entry.seqs[i] = seq;
    }
    entry.seqSum += seq;
    readFloat4Array(r.raw, entry.vectors, i * dim, dim);
    let norm = 0;
    for (let d = i * dim; d < (i + 1) * dim; d++) norm += entry.vectors[d]! ** 2;
    if (Math.sqrt(norm) > entry.maxNorm) entry.maxNorm = Math.sqrt(norm); // NaN rows never raise it
    if (seq > entry.seq) entry.seq = seq;
  }
}

/**
 * A `real[]` in PostgreSQL's binary array format (`array_send`) into `out` at `offset`: a header (dimensions,
 * a has-nulls flag, the element type, then each dimension's size and lower bound), then each element as its
 * length and a big-endian float4. An array of another size or with a NULL leaves NaN (it scores nothing).
 */
export function readFloat4Array(raw: Uint8Array, out: Float32Array, offset: number, dim: number): void {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const ndim = raw.byteLength >= 12 ? view.getInt32(0) : 0;
  const size = ndim === 1 ? view.getInt32(12) : 0;
  if (ndim !== 1 || size !== dim || raw.byteLength !== 20 + dim * 8) {
    out.fill(Number.NaN, offset, offset + dim);
    return;
  }
  for (let d = 0, at = 20; d < dim; d++, at += 8) {
    out[offset + d] = view.getInt32(at) === 4 ? view.getFloat32(at + 4) : Number.NaN;
  }
}
