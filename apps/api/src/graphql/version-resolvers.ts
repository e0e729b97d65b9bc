/**
 * Board versions over GraphQL (issue 18 item 4). Members read them (viewers too: browsing is read-only);
 * editors save, name and restore; a named version is deleted by its author or the board's owner, and only
 * the owner deletes the automatic ones (they age out by themselves).
 */
import { LIMITS, TesseraError, versionNameSchema } from "@tessera/shared";
import type { VersionRow } from "../versions/board-versions.ts";
import { type Context, checkRole, requireRole } from "./context.ts";
import { idArg as id, parseArg } from "./validate.ts";

function versions(ctx: Context) {
  if (!ctx.versions) throw new TesseraError("INTERNAL", "Board versions are not available on this server.");
  return ctx.versions;
}

/** The version and the caller's role on its board, at least `min`; NOT_FOUND for strangers. */
async function versionFor(ctx: Context, versionId: string, min: "VIEWER" | "EDITOR") {
  const v = await versions(ctx).find(parseArg(id, versionId));
  if (!v) throw new TesseraError("NOT_FOUND");
  const role = checkRole(await ctx.auth.boardRole(ctx.session.userId, v.boardId), min);
  return { v, role };
}

const who = (ctx: Context) => ({ userId: ctx.session.userId, displayName: ctx.session.displayName });

/** One of the caller's version writes this hour, taken once their right to make it is checked. */
async function takeWrite(ctx: Context): Promise<void> {
  if (!(await ctx.writeLimits.versions.take(ctx.session.userId))) {
    throw new TesseraError(
      "RATE_LIMITED",
      `You can save, rename, delete or restore versions ${LIMITS.versionWritesPerUserPerHour} times an hour. Try again later.`,
    );
  }
}

export const versionQueries = {
  boardVersions: async (_: unknown, args: { boardId: string }, ctx: Context) => {
    const boardId = parseArg(id, args.boardId);
    await requireRole(ctx, boardId, "VIEWER");
    return versions(ctx).list(boardId);
  },
  boardVersion: async (_: unknown, args: { id: string }, ctx: Context) => {
    try {
      return (await versionFor(ctx, args.id, "VIEWER")).v;
    } catch (e) {
      // Like board(id): a version that isn't there, or isn't yours to see, is simply null.
      if (e instanceof TesseraError && e.code === "NOT_FOUND") return null;
      throw e;
    }
  },
};

export const versionMutations = {
  saveBoardVersion: async (_: unknown, args: { boardId: string; name: string }, ctx: Context) => {
    const boardId = parseArg(id, args.boardId);
    const name = parseArg(versionNameSchema, args.name);
    await requireRole(ctx, boardId, "EDITOR");
    await takeWrite(ctx);
    return versions(ctx).save(boardId, name, who(ctx));
  },
  renameBoardVersion: async (_: unknown, args: { id: string; name: string }, ctx: Context) => {
    const name = parseArg(versionNameSchema, args.name);
    const { v } = await versionFor(ctx, args.id, "EDITOR");
    await takeWrite(ctx);
    return versions(ctx).rename(v, name);
  },
  deleteBoardVersion: async (_: unknown, args: { id: string }, ctx: Context) => {
    const { v, role } = await versionFor(ctx, args.id, "EDITOR");
    const mine = v.kind === "NAMED" && v.createdById === ctx.session.userId;
    if (role !== "OWNER" && !mine) {
      throw new TesseraError(
        "FORBIDDEN",
        v.kind === "NAMED"
          ? "Only whoever saved this version, or the board's owner, can delete it."
          : "Automatic versions are deleted by the board's owner only; they age out by themselves.",
      );
    }
    await takeWrite(ctx);
    await versions(ctx).delete(v);
    return true;
  },
  restoreBoardVersion: async (_: unknown, args: { id: string }, ctx: Context) => {
    const { v } = await versionFor(ctx, args.id, "EDITOR");
    await takeWrite(ctx);
    const { backup, summary } = await versions(ctx).restore(v, who(ctx));
    return {
      restored: v,
      backup,
      cardsAdded: summary.added,
      cardsRemoved: summary.removed,
      cardsChanged: summary.changed,
    };
  },
};

export const versionFields = {
  createdBy: (v: VersionRow) =>
    v.createdById ? { id: v.createdById, displayName: v.createdByName ?? "Someone who left" } : null,
  restoredFrom: (v: VersionRow, _: unknown, ctx: Context) =>
    v.restoredFromId ? versions(ctx).find(v.restoredFromId) : null,
  state: async (v: VersionRow, _: unknown, ctx: Context) =>
    Buffer.from(await versions(ctx).state(v.id)).toString("base64"),
};
