/**
 * Batched reads for lists of candidates (DataLoader): their vote counts, the caller's own votes, and each
 * generation's candidates. Resolved field by field, a card's history of 3 generations cost 26 statements
 * (a count and a "did I vote" per candidate, a candidate list per generation); batched, each kind is one
 * statement per tick, however long the list (test/api-query-count.test.ts).
 *
 * Nothing is cached between loads (`cache: false`): a graphql-ws connection keeps one context for as long
 * as it is open, and votes change meanwhile.
 */
import DataLoader from "dataloader";
import type { Prisma, PrismaClient } from "../db/index.ts";

/** The candidate columns the GraphQL type reads; the stored PNG stays in the database. */
const CANDIDATE_COLUMNS = {
  id: true,
  generationId: true,
  index: true,
  tokens: true,
  clipScore: true,
  rank: true,
  tags: true,
} as const;

/** A candidate as those columns give it (the Prisma schema owns the types). */
export type CandidateRow = Prisma.CandidateGetPayload<{ select: typeof CANDIDATE_COLUMNS }>;

export interface Loaders {
  votes: DataLoader<string, number>;
  votedByMe: DataLoader<string, boolean>;
  candidatesOf: DataLoader<string, CandidateRow[]>;
}

function createLoaders(prisma: PrismaClient, userId: string): Loaders {
  const options = { cache: false } as const;
  return {
    votes: new DataLoader(async (ids: readonly string[]) => {
      const counts = await prisma.vote.groupBy({
        by: ["candidateId"],
        where: { candidateId: { in: [...new Set(ids)] } },
        _count: { _all: true },
      });
      const byId = new Map(counts.map((c) => [c.candidateId, c._count._all]));
      return ids.map((id) => byId.get(id) ?? 0);
    }, options),
    votedByMe: new DataLoader(async (ids: readonly string[]) => {
      const mine = await prisma.vote.findMany({
        where: { userId, candidateId: { in: [...new Set(ids)] } },
        select: { candidateId: true },
      });
      const voted = new Set(mine.map((v) => v.candidateId));
      return ids.map((id) => voted.has(id));
    }, options),
    candidatesOf: new DataLoader(async (generationIds: readonly string[]) => {
      const rows = await prisma.candidate.findMany({
        where: { generationId: { in: [...new Set(generationIds)] } },
        select: CANDIDATE_COLUMNS,
        orderBy: { index: "asc" },
      });
      const byGeneration = new Map<string, CandidateRow[]>();
      for (const r of rows) {
        const list = byGeneration.get(r.generationId);
        if (list) list.push(r);
        else byGeneration.set(r.generationId, [r]);
      }
      return generationIds.map((g) => byGeneration.get(g) ?? []);
    }, options),
  };
}

const perContext = new WeakMap<object, Loaders>();

/** The loaders of one request's (or one connection's) context, made on first use. */
export function loadersOf(ctx: { prisma: PrismaClient; session: { userId: string } }): Loaders {
  let loaders = perContext.get(ctx);
  if (!loaders) {
    loaders = createLoaders(ctx.prisma, ctx.session.userId);
    perContext.set(ctx, loaders);
  }
  return loaders;
}
