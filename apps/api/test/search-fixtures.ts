/**
 * Boards full of candidates with random CLIP-like embeddings, written as `recordCandidates` writes them (the
 * candidate with its tags, its embedding in CandidateEmbedding): for search tests and `bench:search`.
 */
import { randomBytes } from "node:crypto";
import type pg from "pg";

/** A uniformly random direction (Gaussian components, normalised), like an unrelated image's embedding. */
export function randomUnit(dim: number): number[] {
  const v = Array.from({ length: dim }, () => {
    const u = 1 - Math.random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * Math.random());
  });
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

export interface Fill {
  boardId: string;
  userId: string;
  candidates: number;
  /** Bundle name and version (CandidateEmbedding.model is `name@version`). */
  modelName: string;
  modelVersion: string;
  dim: number;
  /** Each candidate gets one of the first four and one of the rest. */
  tags: readonly string[];
  perGeneration?: number;
}

/** Adds `candidates` finished candidates to the board, in generations of `perGeneration` (8). */
export async function fillBoard(sql: pg.Client, f: Fill): Promise<void> {
  const per = f.perGeneration ?? 8;
  const png = randomBytes(2500).toString("base64"); // a real candidate's PNG is 1.5–3.3 kB, stored out of line
  for (let done = 0; done < f.candidates; ) {
    const gens = Math.min(250, Math.ceil((f.candidates - done) / per));
    const genIds = Array.from({ length: gens }, () => randomBytes(8).toString("base64url"));
    await sql.query(
      `INSERT INTO "Generation" ("id", "boardId", "cardId", "prompt", "n", "seed", "params", "modelName",
         "modelVersion", "unknownWords", "status", "createdById")
       SELECT g, $2, 'card-' || (i % 200), 'prompt ' || i, $3, i, '{}', $4, $5, '{}', 'FINISHED', $6
       FROM unnest($1::text[]) WITH ORDINALITY AS t(g, i)`,
      [genIds, f.boardId, per, f.modelName, f.modelVersion, f.userId],
    );
    const rows = genIds
      .flatMap((g) => Array.from({ length: per }, (_, index) => ({ g, index })))
      .slice(0, f.candidates - done);
    const grid = `{${Array.from({ length: 256 }, () => Math.floor(Math.random() * 1024)).join(",")}}`;
    const pick = (from: number, n: number) => f.tags[from + Math.floor(Math.random() * n)];
    await sql.query(
      `WITH r AS (
         SELECT md5(random()::text) AS id, r.* FROM unnest($1::text[], $2::int[], $5::text[], $6::text[]) AS r(g, idx, e, t)
       ), stored AS (
         INSERT INTO "Candidate" ("id", "generationId", "index", "tokens", "png", "tags", "clipScore", "rank")
         SELECT r.id, r.g, r.idx, $3::int[], decode($4, 'base64'), string_to_array(r.t, ','), random(), r.idx + 1 FROM r
       )
       INSERT INTO "CandidateEmbedding" ("candidateId", "boardId", "model", "embedding", "tags")
       SELECT r.id, $7, $8, r.e::real[], string_to_array(r.t, ',') FROM r`,
      [
        rows.map((r) => r.g),
        rows.map((r) => r.index),
        grid,
        png,
        rows.map(() => `{${randomUnit(f.dim).join(",")}}`),
        rows.map(() => [pick(0, 4), pick(4, f.tags.length - 4)].join(",")),
        f.boardId,
        `${f.modelName}@${f.modelVersion}`,
      ],
    );
    done += rows.length;
  }
}
