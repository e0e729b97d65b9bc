/** Generations, candidates, votes, the model, and the two subscriptions. */
import { addGeneration, CONCEPT_SPRITES_PATH, candidateImagePath, LIMITS, TesseraError } from "@tessera/shared";
import { z } from "zod";
import { type BoardRole, newId } from "../auth/index.ts";
import { type Context, checkRole, requireGenerations, requireRole } from "./context.ts";
import { type CandidateRow, loadersOf } from "./loaders.ts";
import { sharedPayload } from "./shared-execution.ts";
import { idArg as id, parseArg } from "./validate.ts";

export type Params = {
  negativePrompt?: string | null;
  temperature?: number | null;
  topK?: number | null;
  topP?: number | null;
  guidanceScale?: number | null;
  seed?: number | null;
};
type GenRow = {
  id: string;
  boardId: string;
  params: unknown;
  timings: unknown;
  createdById: string;
  sourceCandidateId: string | null;
};
type CandRow = CandidateRow & {
  /** Known already (a vote mutation just counted them): no need to load them again. */
  votes?: number;
  votedByMe?: boolean;
};

async function generationForCaller(ctx: Context, generationId: string, min: "VIEWER" | "EDITOR") {
  const g = await ctx.prisma.generation.findUnique({ where: { id: parseArg(id, generationId) } });
  if (!g) throw new TesseraError("NOT_FOUND");
  await requireRole(ctx, g.boardId, min);
  return g;
}

/**
 * The candidate, its generation and the caller's role on its board, in one statement (Prisma's nested
 * select took four, and a vote waits on each of them).
 */
async function candidateForCaller(ctx: Context, candidateId: string, min: "VIEWER" | "EDITOR") {
  const [row] = await ctx.prisma.$queryRaw<(CandRow & { boardId: string; cardId: string; role: BoardRole | null })[]>`
    SELECT c."id", c."generationId", c."index", c."tokens", c."clipScore", c."rank", c."tags",
           g."boardId", g."cardId", m."role"::text AS "role"
    FROM "Candidate" c
    JOIN "Generation" g ON g."id" = c."generationId"
    LEFT JOIN "BoardMember" m ON m."boardId" = g."boardId" AND m."userId" = ${ctx.session.userId}
    WHERE c."id" = ${parseArg(id, candidateId)}`;
  if (!row) throw new TesseraError("NOT_FOUND");
  checkRole(row.role, min);
  const { boardId, cardId, role: _, ...c } = row;
  return { ...c, generation: { id: c.generationId, boardId, cardId } };
}

/** The card lists its generations in the Yjs document, so every client's tile appears at once. */
export async function listOnCard(ctx: Context, g: { id: string; boardId: string; cardId: string }): Promise<void> {
  await ctx.withDocument?.(g.boardId, (doc) => addGeneration(doc, g.cardId, g.id)).catch(() => {});
}

async function start(ctx: Context, args: Parameters<ReturnType<typeof requireGenerations>["start"]>[0]) {
  const g = await requireGenerations(ctx).start(args);
  await listOnCard(ctx, g);
  return g;
}

export function splitParams(p: Params | null | undefined) {
  const { seed, ...rest } = p ?? {};
  return { params: rest, seed: seed ?? null };
}

export const generationQueries = {
  generation: async (_: unknown, args: { id: string }, ctx: Context) => {
    const g = await ctx.prisma.generation.findUnique({ where: { id: parseArg(id, args.id) } });
    if (!g) return null;
    return (await ctx.auth.boardRole(ctx.session.userId, g.boardId)) ? g : null;
  },
  generations: async (_: unknown, args: { boardId: string; cardId: string; limit?: number | null }, ctx: Context) => {
    await requireRole(ctx, parseArg(id, args.boardId), "VIEWER");
    return ctx.prisma.generation.findMany({
      // A matrix is one entry of the card's history: its first cell (the card lists only that one).
      where: {
        boardId: args.boardId,
        cardId: parseArg(id, args.cardId),
        OR: [{ matrixCell: null }, { matrixCell: 0 }],
      },
      orderBy: { createdAt: "desc" },
      take: Math.min(Math.max(args.limit ?? 20, 1), 100),
    });
  },
  boardQueue: async (_: unknown, args: { boardId: string }, ctx: Context) => {
    const boardId = parseArg(id, args.boardId);
    await requireRole(ctx, boardId, "VIEWER");
    return requireGenerations(ctx).boardQueue(boardId);
  },
  model: (_: unknown, __: unknown, ctx: Context) => {
    if (!ctx.engine) throw new TesseraError("RUNNER_UNAVAILABLE");
    return ctx.engine.model();
  },
  limits: () => ({
    promptMaxChars: LIMITS.promptMaxChars,
    candidatesMax: LIMITS.candidatesMax,
    generationsPerMinute: LIMITS.generationsPerMinute,
    matrixCellsMax: LIMITS.matrixCellsMax,
  }),
};

export const generationMutations = {
  startGeneration: async (
    _: unknown,
    args: { boardId: string; cardId: string; prompt: string; n: number; params?: Params | null },
    ctx: Context,
  ) => {
    const boardId = parseArg(id, args.boardId);
    await requireRole(ctx, boardId, "EDITOR");
    return start(ctx, {
      userId: ctx.session.userId,
      boardId,
      cardId: parseArg(id, args.cardId),
      prompt: args.prompt,
      n: args.n,
      ...splitParams(args.params),
    });
  },
  cancelGeneration: async (_: unknown, args: { id: string }, ctx: Context) => {
    const g = await generationForCaller(ctx, args.id, "EDITOR");
    // Each person cancels their own; a board's owner any on it.
    if (g.createdById !== ctx.session.userId && (await requireRole(ctx, g.boardId, "EDITOR")) !== "OWNER") {
      throw new TesseraError(
        "FORBIDDEN",
        "Only the person who started a generation, or the board's owner, can cancel it.",
      );
    }
    requireGenerations(ctx).cancel(g.id);
    return g;
  },
  remixCandidate: async (
    _: unknown,
    args: { candidateId: string; keepRows: number; n: number; params?: Params | null; prompt?: string | null },
    ctx: Context,
  ) => {
    const c = await candidateForCaller(ctx, args.candidateId, "EDITOR");
    const g = await ctx.prisma.generation.findUniqueOrThrow({ where: { id: c.generationId } });
    const rows = ctx.engine?.model().gridRows ?? 0;
    parseArg(
      z
        .number()
        .int()
        .min(0)
        .max(Math.max(rows - 1, 0), `keepRows must be between 0 and ${rows - 1}`),
      args.keepRows,
    );
    return start(ctx, {
      userId: ctx.session.userId,
      boardId: g.boardId,
      cardId: g.cardId,
      // Validated with every prompt in the service (promptSchema).
      prompt: args.prompt ?? g.prompt,
      n: args.n,
      ...splitParams(args.params),
      source: { candidateId: c.id, tokens: c.tokens, keepRows: args.keepRows },
    });
  },
  variations: async (_: unknown, args: { generationId: string; n: number }, ctx: Context) => {
    const g = await generationForCaller(ctx, args.generationId, "EDITOR");
    const src = g.sourceCandidateId
      ? await ctx.prisma.candidate.findUnique({ where: { id: g.sourceCandidateId } })
      : null;
    return start(ctx, {
      userId: ctx.session.userId,
      boardId: g.boardId,
      cardId: g.cardId,
      prompt: g.prompt,
      n: args.n,
      params: g.params as Params,
      ...(src && g.keepRows !== null
        ? { source: { candidateId: src.id, tokens: src.tokens, keepRows: g.keepRows } }
        : {}),
    });
  },
  castVote: async (_: unknown, args: { candidateId: string }, ctx: Context) => {
    const c = await candidateForCaller(ctx, args.candidateId, "EDITOR");
    // ON CONFLICT DO NOTHING: concurrent casts from one user converge on the single (candidate, user) row.
    await ctx.prisma
      .$executeRaw`INSERT INTO "Vote" (id, "candidateId", "userId") VALUES (${newId()}, ${c.id}, ${ctx.session.userId}) ON CONFLICT ("candidateId", "userId") DO NOTHING`;
    return { ...c, votes: await publishVotes(ctx, c.id, c.generation), votedByMe: true };
  },
  clearVote: async (_: unknown, args: { candidateId: string }, ctx: Context) => {
    const c = await candidateForCaller(ctx, args.candidateId, "EDITOR");
    await ctx.prisma.vote.deleteMany({ where: { candidateId: c.id, userId: ctx.session.userId } });
    return { ...c, votes: await publishVotes(ctx, c.id, c.generation), votedByMe: false };
  },
};

/**
 * Counts the candidate's votes after a change (its own statement: a count in the changing statement's
 * snapshot would miss a concurrent vote committed meanwhile), tells the board, and returns the count.
 */
async function publishVotes(ctx: Context, candidateId: string, g: { id: string; boardId: string; cardId: string }) {
  const votes = await ctx.prisma.vote.count({ where: { candidateId } });
  ctx.activity.publish({
    boardId: g.boardId,
    kind: "VOTES_CHANGED",
    generationId: g.id,
    cardId: g.cardId,
    candidateId,
    votes,
  });
  return votes;
}

export const generationFields = {
  params: (g: GenRow) => g.params,
  timings: (g: GenRow) => g.timings ?? null,
  createdBy: (g: GenRow, _: unknown, ctx: Context) =>
    ctx.prisma.user.findUniqueOrThrow({ where: { id: g.createdById } }),
  candidates: async (g: GenRow, _: unknown, ctx: Context) => {
    const cs = await loadersOf(ctx).candidatesOf.load(g.id);
    return [...cs].sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9) || a.index - b.index);
  },
  pick: async (g: GenRow, _: unknown, ctx: Context) => {
    const cs = await ctx.prisma.candidate.findMany({
      where: { generationId: g.id },
      include: { _count: { select: { votes: true } } },
    });
    const voted = cs.filter((c) => c._count.votes > 0);
    voted.sort((a, b) => b._count.votes - a._count.votes || (a.rank ?? 1e9) - (b.rank ?? 1e9));
    return voted[0] ?? null;
  },
};

export const modelFields = {
  conceptSpritesUrl: (m: { conceptSpriteSize: number; version: string; name: string }) =>
    m.conceptSpriteSize > 0 ? `${CONCEPT_SPRITES_PATH}?v=${encodeURIComponent(`${m.name}@${m.version}`)}` : null,
  // Only when asked for: the runner computes them on the first request.
  tokenPatches: (_: unknown, __: unknown, ctx: Context) => {
    if (!ctx.engine) throw new TesseraError("RUNNER_UNAVAILABLE");
    return ctx.engine.tokenPatches();
  },
};

export const candidateFields = {
  imageUrl: (c: CandRow) => candidateImagePath(c.id),
  votes: (c: CandRow, _: unknown, ctx: Context) => c.votes ?? loadersOf(ctx).votes.load(c.id),
  votedByMe: (c: CandRow, _: unknown, ctx: Context) => c.votedByMe ?? loadersOf(ctx).votedByMe.load(c.id),
};

/**
 * A subscription stream whose return() aborts the source at once. Not an async generator: a generator's
 * return() waits behind its pending next(), which for an idle subscription never settles — unsubscribes
 * and disconnects then hung, leaking the listener and skipping graphql-ws's onDisconnect.
 */
function withSignal<T>(
  source: (signal: AbortSignal) => AsyncGenerator<T>,
  map: (t: T) => unknown,
): AsyncGenerator<unknown, undefined> {
  const abort = new AbortController();
  const inner = source(abort.signal);
  const stop = async (): Promise<IteratorReturnResult<undefined>> => {
    abort.abort(); // wakes the source's pending await, so its finally runs and return() below can settle
    await inner.return(undefined);
    return { done: true, value: undefined };
  };
  const stream: AsyncGenerator<unknown, undefined> = {
    async next() {
      const r = await inner.next();
      return r.done ? { done: true, value: undefined } : { done: false, value: map(r.value) };
    },
    return: stop,
    async throw(e: unknown) {
      await stop();
      throw e;
    },
    [Symbol.asyncIterator]: () => stream,
  };
  return stream;
}

export const subscriptions = {
  generationEvents: {
    subscribe: async (_: unknown, args: { generationId: string }, ctx: Context) => {
      const g = await generationForCaller(ctx, args.generationId, "VIEWER");
      const service = requireGenerations(ctx);
      return withSignal(
        (signal) => service.subscribe(g.id, signal),
        // GenerationEvent's fields read only the event: one execution serves every watcher.
        (e) => sharedPayload(e, () => ({ generationEvents: { generationId: g.id, seq: e.seq, ...e.event } })),
      );
    },
  },
  boardQueue: {
    subscribe: async (_: unknown, args: { boardId: string }, ctx: Context) => {
      const boardId = parseArg(id, args.boardId);
      await requireRole(ctx, boardId, "VIEWER");
      const service = requireGenerations(ctx);
      return withSignal(
        (signal) => service.subscribeQueue(boardId, signal),
        (q) => sharedPayload(q, () => ({ boardQueue: q })),
      );
    },
  },
  boardActivity: {
    subscribe: async (_: unknown, args: { boardId: string }, ctx: Context) => {
      const boardId = parseArg(id, args.boardId);
      await requireRole(ctx, boardId, "VIEWER");
      return withSignal(
        (signal) => ctx.activity.subscribe(boardId, signal),
        (e) => sharedPayload(e, () => ({ boardActivity: e })),
      );
    },
  },
};
