/** Boards, members, share links, identity. */
import { randomBytes } from "node:crypto";
import { BROKEN_TEXT_MESSAGE, candidateImagePath, isWellFormedText, LIMITS, TesseraError } from "@tessera/shared";
import { z } from "zod";
import { newId } from "../auth/index.ts";
import type { Role } from "../db/index.ts";
import { type Context, ensureCaller, requireRole } from "./context.ts";
import { idArg as id, parseArg } from "./validate.ts";

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const noControl = (s: string) => !/[\u0000-\u001f\u007f]/.test(s);
const boardName = z
  .string()
  .refine(noControl, "Names can't contain control characters.")
  .refine(isWellFormedText, BROKEN_TEXT_MESSAGE)
  .transform((s) => s.trim())
  .pipe(
    z
      .string()
      .min(1, "Board names can't be empty.")
      .max(LIMITS.boardNameMaxChars, `Board names are limited to ${LIMITS.boardNameMaxChars} characters.`),
  );
const displayName = z
  .string()
  .refine(noControl, "Names can't contain control characters.")
  .refine(isWellFormedText, BROKEN_TEXT_MESSAGE)
  .transform((s) => s.trim())
  .pipe(
    z
      .string()
      .min(1, "Display names can't be empty.")
      .max(LIMITS.displayNameMaxChars, `Display names are limited to ${LIMITS.displayNameMaxChars} characters.`),
  );

type BoardRow = { id: string; name: string; createdAt: Date; updatedAt: Date };

export const boardQueries = {
  me: (_: unknown, __: unknown, ctx: Context) => ({ id: ctx.session.userId, displayName: ctx.session.displayName }),
  boards: async (_: unknown, __: unknown, ctx: Context) => {
    const ms = await ctx.prisma.boardMember.findMany({
      where: { userId: ctx.session.userId },
      include: { board: true },
      orderBy: { board: { updatedAt: "desc" } },
    });
    return ms.map((m) => ({ ...m.board, myRole: m.role }));
  },
  board: async (_: unknown, args: { id: string }, ctx: Context) => {
    const boardId = parseArg(id, args.id);
    const role = await ctx.auth.boardRole(ctx.session.userId, boardId);
    if (!role) return null;
    const b = await ctx.prisma.board.findUnique({ where: { id: boardId } });
    return b ? { ...b, myRole: role } : null;
  },
};

export const boardMutations = {
  signOutOtherDevices: async (_: unknown, __: unknown, ctx: Context) => {
    if (!ctx.setSessionCookie) {
      throw new TesseraError("BAD_USER_INPUT", "Sign out other devices from the page (over HTTP), not over a socket.");
    }
    await ensureCaller(ctx);
    ctx.setSessionCookie(await ctx.auth.revokeOtherSessions(ctx.session));
    return true;
  },
  setDisplayName: async (_: unknown, args: { name: string }, ctx: Context) => {
    const name = parseArg(displayName, args.name);
    // A guest's first write may be their name.
    await ensureCaller(ctx);
    const u = await ctx.prisma.user.update({ where: { id: ctx.session.userId }, data: { displayName: name } });
    return { id: u.id, displayName: u.displayName };
  },
  createBoard: async (_: unknown, args: { name: string }, ctx: Context) => {
    const name = parseArg(boardName, args.name);
    await ensureCaller(ctx);
    if (!(await ctx.writeLimits.boards.take(ctx.session.userId))) {
      throw new TesseraError(
        "RATE_LIMITED",
        `You can create ${LIMITS.boardsPerUserPerHour} boards an hour. Try again later, or reuse a board.`,
      );
    }
    const b = await ctx.prisma.board.create({
      data: { id: newId(), name, members: { create: { userId: ctx.session.userId, role: "OWNER" } } },
    });
    return { ...b, myRole: "OWNER" };
  },
  renameBoard: async (_: unknown, args: { id: string; name: string }, ctx: Context) => {
    const boardId = parseArg(id, args.id);
    const name = parseArg(boardName, args.name);
    const role = await requireRole(ctx, boardId, "EDITOR");
    const b = await ctx.prisma.board.update({ where: { id: boardId }, data: { name } });
    return { ...b, myRole: role };
  },
  deleteBoard: async (_: unknown, args: { id: string }, ctx: Context) => {
    const boardId = parseArg(id, args.id);
    await requireRole(ctx, boardId, "OWNER");
    await ctx.prisma.board.delete({ where: { id: boardId } });
    return true;
  },
  createShareLink: async (_: unknown, args: { boardId: string; role: Role }, ctx: Context) => {
    const boardId = parseArg(id, args.boardId);
    const role = parseArg(z.enum(["EDITOR", "VIEWER", "OWNER"]), args.role);
    await requireRole(ctx, boardId, "OWNER");
    if (!(await ctx.writeLimits.shareLinks.take(ctx.session.userId))) {
      throw new TesseraError(
        "RATE_LIMITED",
        `You can create ${LIMITS.shareLinksPerUserPerHour} share links an hour. Reuse a link, or try again later.`,
      );
    }
    return ctx.prisma.shareLink.create({
      data: {
        id: newId(),
        token: randomBytes(18).toString("base64url"),
        boardId,
        role,
        createdById: ctx.session.userId,
      },
    });
  },
  revokeShareLink: async (_: unknown, args: { id: string }, ctx: Context) => {
    const linkId = parseArg(id, args.id);
    const link = await ctx.prisma.shareLink.findUnique({ where: { id: linkId } });
    if (!link) throw new TesseraError("NOT_FOUND");
    await requireRole(ctx, link.boardId, "OWNER");
    return ctx.prisma.shareLink.update({ where: { id: linkId }, data: { revokedAt: link.revokedAt ?? new Date() } });
  },
  joinBoard: async (_: unknown, args: { token: string }, ctx: Context) => {
    const token = parseArg(z.string().min(1).max(128), args.token);
    const link = await ctx.prisma.shareLink.findUnique({ where: { token }, include: { board: true } });
    if (!link || link.revokedAt) throw new TesseraError("NOT_FOUND", "This share link doesn't exist or was revoked.");
    const existing = await ctx.auth.boardRole(ctx.session.userId, link.boardId);
    // Joining never downgrades: an owner following a viewer link stays owner.
    const rank = { VIEWER: 0, EDITOR: 1, OWNER: 2 } as const;
    let role: Role = link.role;
    if (existing && rank[existing] >= rank[link.role]) role = existing;
    if (!existing) await ensureCaller(ctx);
    await ctx.prisma.boardMember.upsert({
      where: { boardId_userId: { boardId: link.boardId, userId: ctx.session.userId } },
      create: { boardId: link.boardId, userId: ctx.session.userId, role },
      update: { role },
    });
    return { board: { ...link.board, myRole: role }, role };
  },
};

export const boardFields = {
  members: (b: BoardRow, _: unknown, ctx: Context) =>
    ctx.prisma.boardMember
      .findMany({ where: { boardId: b.id }, include: { user: true }, orderBy: { createdAt: "asc" } })
      .then((ms) => ms.map((m) => ({ role: m.role, user: { id: m.user.id, displayName: m.user.displayName } }))),
  shareLinks: async (b: BoardRow & { myRole: Role }, _: unknown, ctx: Context) =>
    b.myRole === "OWNER"
      ? ctx.prisma.shareLink.findMany({ where: { boardId: b.id }, orderBy: { createdAt: "desc" } })
      : [],
  generations: async (b: BoardRow, args: { cardId?: string | null; limit?: number | null }, ctx: Context) =>
    ctx.prisma.generation.findMany({
      where: { boardId: b.id, ...(args.cardId ? { cardId: args.cardId } : {}) },
      orderBy: { createdAt: "desc" },
      take: Math.min(Math.max(args.limit ?? 20, 1), 100),
    }),
  pickThumbnails: async (b: BoardRow, args: { limit?: number | null }, ctx: Context) => {
    const gens = await ctx.prisma.generation.findMany({
      where: { boardId: b.id, status: "FINISHED" },
      orderBy: { createdAt: "desc" },
      take: 50,
      include: { candidates: { include: { _count: { select: { votes: true } } } } },
    });
    const out: string[] = [];
    for (const g of gens) {
      const best = g.candidates
        .filter((c) => c._count.votes > 0)
        .sort((x, y) => y._count.votes - x._count.votes || (x.rank ?? 99) - (y.rank ?? 99))[0];
      if (best) out.push(candidateImagePath(best.id));
      if (out.length >= Math.min(Math.max(args.limit ?? 4, 1), 16)) break;
    }
    return out;
  },
};
