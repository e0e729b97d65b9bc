/**
 * Comments on candidates and on cards, and reactions on candidates (issue 18 item 2): threads, emoji beside
 * the votes, what each person has not read yet, and the board's "viewers may comment" setting. Every change is
 * told to the board (COMMENTS_CHANGED / REACTIONS_CHANGED) so open threads refresh live.
 */
import { blankControlChars, commentBodySchema, LIMITS, REACTIONS, TesseraError } from "@tessera/shared";
import { type BoardRole, newId } from "../auth/index.ts";
import { type Context, checkRole, requireRole } from "./context.ts";
import { idArg as id, parseArg } from "./validate.ts";

interface Target {
  candidateId: string;
  generationId: string;
  boardId: string;
  cardId: string;
  role: BoardRole | null;
  viewersMayComment: boolean;
}

/** The candidate, its board and the caller's role there, in one statement. */
async function target(ctx: Context, candidateId: string): Promise<Target> {
  const [row] = await ctx.prisma.$queryRaw<Target[]>`
    SELECT c."id" AS "candidateId", g."id" AS "generationId", g."boardId", g."cardId",
           m."role"::text AS "role", b."viewersMayComment"
    FROM "Candidate" c
    JOIN "Generation" g ON g."id" = c."generationId"
    JOIN "Board" b ON b."id" = g."boardId"
    LEFT JOIN "BoardMember" m ON m."boardId" = g."boardId" AND m."userId" = ${ctx.session.userId}
    WHERE c."id" = ${parseArg(id, candidateId)}`;
  if (!row) throw new TesseraError("NOT_FOUND");
  checkRole(row.role, "VIEWER");
  return row;
}

/** A card's thread: its board and the caller's role there (cards live in the Yjs document, not checked here). */
async function cardTarget(ctx: Context, boardId: string, cardId: string) {
  const b = parseArg(id, boardId);
  const c = parseArg(id, cardId);
  const role = await requireRole(ctx, b, "VIEWER");
  const board = await ctx.prisma.board.findUniqueOrThrow({ where: { id: b }, select: { viewersMayComment: true } });
  return { boardId: b, cardId: c, role, viewersMayComment: board.viewersMayComment, threadId: `card:${b}:${c}` };
}

/** Where a thread is: a candidate (candidateId) or a card (boardId + cardId). */
type ThreadArgs = { candidateId?: string | null; boardId?: string | null; cardId?: string | null };

async function threadOf(ctx: Context, a: ThreadArgs) {
  if (a.candidateId) {
    const t = await target(ctx, a.candidateId);
    return { ...t, threadId: t.candidateId, where: { candidateId: t.candidateId } };
  }
  if (a.boardId && a.cardId) {
    const t = await cardTarget(ctx, a.boardId, a.cardId);
    return {
      ...t,
      candidateId: null,
      generationId: "",
      where: { boardId: t.boardId, cardId: t.cardId, candidateId: null },
    };
  }
  throw new TesseraError("BAD_USER_INPUT", "Say which thread: a candidateId, or a boardId and a cardId.");
}

const mayComment = (t: Pick<Target, "role" | "viewersMayComment">) => t.role !== "VIEWER" || t.viewersMayComment;

function requireComment(t: Pick<Target, "role" | "viewersMayComment">): void {
  if (!mayComment(t))
    throw new TesseraError("FORBIDDEN", "Viewers can't comment on this board: its owner has not allowed it.");
}

async function reactionCounts(ctx: Context, candidateId: string) {
  const rows = await ctx.prisma.reaction.findMany({ where: { candidateId }, select: { emoji: true, userId: true } });
  return REACTIONS.map((emoji) => {
    const mine = rows.filter((r) => r.emoji === emoji);
    return { emoji, count: mine.length, mine: mine.some((r) => r.userId === ctx.session.userId) };
  }).filter((r) => r.count > 0);
}

function tell(
  ctx: Context,
  t: { boardId: string; generationId: string; cardId: string; candidateId: string | null },
  kind: "COMMENTS_CHANGED" | "REACTIONS_CHANGED",
): void {
  // A card's thread has no generation: generationId is empty, candidateId null.
  ctx.activity.publish({
    boardId: t.boardId,
    kind,
    generationId: t.generationId,
    cardId: t.cardId,
    candidateId: t.candidateId,
  });
}

export const commentQueries = {
  candidateThread: (_: unknown, args: { candidateId: string }, ctx: Context) => readThread(ctx, args),
  cardThread: (_: unknown, args: { boardId: string; cardId: string }, ctx: Context) => readThread(ctx, args),
  commentCounts: async (_: unknown, args: { generationId: string }, ctx: Context) => {
    const g = await ctx.prisma.generation.findUnique({
      where: { id: parseArg(id, args.generationId) },
      select: { boardId: true },
    });
    if (!g) throw new TesseraError("NOT_FOUND");
    await requireRole(ctx, g.boardId, "VIEWER");
    // One statement for the whole generation: a card's tiles each show their count.
    return ctx.prisma.$queryRaw<{ candidateId: string; comments: number; unread: number }[]>`
      SELECT c."id" AS "candidateId", count(k."id")::int AS "comments",
             count(k."id") FILTER (WHERE k."authorId" <> ${ctx.session.userId}
               AND (r."readAt" IS NULL OR k."createdAt" > r."readAt"))::int AS "unread"
      FROM "Candidate" c
      JOIN "Comment" k ON k."candidateId" = c."id"
      LEFT JOIN "CommentRead" r ON r."threadId" = c."id" AND r."userId" = ${ctx.session.userId}
      WHERE c."generationId" = ${args.generationId}
      GROUP BY c."id"`;
  },
};

async function readThread(ctx: Context, args: ThreadArgs) {
  const t = await threadOf(ctx, args);
  const [comments, reactions, read] = await Promise.all([
    ctx.prisma.comment.findMany({
      where: t.where,
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      include: { author: { select: { id: true, displayName: true } } },
    }),
    t.candidateId ? reactionCounts(ctx, t.candidateId) : [],
    ctx.prisma.commentRead.findUnique({
      where: { userId_threadId: { userId: ctx.session.userId, threadId: t.threadId } },
    }),
  ]);
  const unread = comments.filter(
    (c) => c.authorId !== ctx.session.userId && (!read || c.createdAt > read.readAt),
  ).length;
  return { candidateId: t.candidateId, cardId: t.cardId, comments, reactions, unread, canComment: mayComment(t) };
}

export const commentMutations = {
  addComment: async (_: unknown, args: ThreadArgs & { body: string }, ctx: Context) => {
    const t = await threadOf(ctx, args);
    requireComment(t);
    const body = parseArg(commentBodySchema, blankControlChars(args.body));
    if (!(await ctx.writeLimits.comments.take(ctx.session.userId))) {
      throw new TesseraError(
        "RATE_LIMITED",
        `You can post ${LIMITS.commentsPerUserPerHour} comments an hour. Try again in a while.`,
      );
    }
    const count = await ctx.prisma.comment.count({ where: t.where });
    if (count >= LIMITS.commentsPerCandidateMax) {
      throw new TesseraError(
        "BAD_USER_INPUT",
        `A thread holds at most ${LIMITS.commentsPerCandidateMax} comments: start a new one on another card or candidate.`,
      );
    }
    const comment = await ctx.prisma.comment.create({
      data: {
        id: newId(),
        boardId: t.boardId,
        candidateId: t.candidateId,
        cardId: t.candidateId ? null : t.cardId,
        authorId: ctx.session.userId,
        body,
      },
      include: { author: { select: { id: true, displayName: true } } },
    });
    // Writing is reading: my own thread is read up to my comment.
    await markRead(ctx, t.threadId, comment.createdAt);
    tell(ctx, t, "COMMENTS_CHANGED");
    return comment;
  },
  deleteComment: async (_: unknown, args: { id: string }, ctx: Context) => {
    const c = await ctx.prisma.comment.findUnique({ where: { id: parseArg(id, args.id) } });
    if (!c) throw new TesseraError("NOT_FOUND");
    const t = await threadOf(
      ctx,
      c.candidateId ? { candidateId: c.candidateId } : { boardId: c.boardId, cardId: c.cardId },
    );
    if (c.authorId !== ctx.session.userId && t.role !== "OWNER") {
      throw new TesseraError("FORBIDDEN", "Only its author or the board's owner can delete a comment.");
    }
    await ctx.prisma.comment.delete({ where: { id: c.id } });
    tell(ctx, t, "COMMENTS_CHANGED");
    return c.id;
  },
  toggleReaction: async (_: unknown, args: { candidateId: string; emoji: string }, ctx: Context) => {
    const t = await target(ctx, args.candidateId);
    requireComment(t);
    if (!(REACTIONS as readonly string[]).includes(args.emoji)) {
      throw new TesseraError("BAD_USER_INPUT", `Reactions are one of ${REACTIONS.join(" ")}.`);
    }
    const key = { candidateId: t.candidateId, userId: ctx.session.userId, emoji: args.emoji };
    const removed = await ctx.prisma.reaction.deleteMany({ where: key });
    if (removed.count === 0) {
      await ctx.prisma.reaction.createMany({ data: [key], skipDuplicates: true });
    }
    tell(ctx, t, "REACTIONS_CHANGED");
    return reactionCounts(ctx, t.candidateId);
  },
  markCommentsRead: async (_: unknown, args: ThreadArgs, ctx: Context) => {
    const t = await threadOf(ctx, args);
    // An empty thread has nothing unread: no marker is kept for it, so marking made-up card ids read stores
    // nothing.
    if (await ctx.prisma.comment.findFirst({ where: t.where, select: { id: true } })) {
      await markRead(ctx, t.threadId, new Date());
    }
    return true;
  },
  setViewersMayComment: async (_: unknown, args: { boardId: string; allowed: boolean }, ctx: Context) => {
    const boardId = parseArg(id, args.boardId);
    await requireRole(ctx, boardId, "OWNER");
    const b = await ctx.prisma.board.update({ where: { id: boardId }, data: { viewersMayComment: !!args.allowed } });
    return { ...b, myRole: "OWNER" };
  },
};

async function markRead(ctx: Context, threadId: string, at: Date): Promise<void> {
  await ctx.prisma.commentRead.upsert({
    where: { userId_threadId: { userId: ctx.session.userId, threadId } },
    create: { userId: ctx.session.userId, threadId, readAt: at },
    update: { readAt: at },
  });
}

export const commentFields = {
  author: (c: { author: { id: string; displayName: string } }) => c.author,
};
