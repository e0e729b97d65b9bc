/** What every resolver gets: the caller, the database and the services. */
import { TesseraError } from "@tessera/shared";
import type { Auth, BoardRole, Session } from "../auth/index.ts";
import type { PrismaClient } from "../db/index.ts";
import type { BoardActivityBus } from "../generation/board-activity.ts";
import type { GenerationEngine } from "../generation/engine.ts";
import type { Limiter } from "../generation/rate-limit.ts";
import type { GenerationService } from "../generation/service.ts";
import type { EmbeddingIndex } from "../search/embedding-index.ts";
import type { BoardVersions } from "../versions/board-versions.ts";

/**
 * Budgets for writes that would otherwise add rows without bound: new users per client address (a
 * script that drops its cookie is a new guest each time) and boards per user. In memory, or in Redis when
 * scaled out, like the generation start limit.
 */
export interface WriteLimits {
  newUsers: Limiter;
  boards: Limiter;
  /** Saves, renames, deletes and restores of board versions, per person (each keeps up to 16 MB). */
  versions: Limiter;
  /** Comments posted, per person. */
  comments: Limiter;
  /** Share links created, per person. */
  shareLinks: Limiter;
}

export interface Services {
  prisma: PrismaClient;
  auth: Auth;
  activity: BoardActivityBus;
  /** Null when no model bundle could be loaded: generation mutations fail with RUNNER_UNAVAILABLE. */
  engine: GenerationEngine | null;
  generations: GenerationService | null;
  writeLimits: WriteLimits;
  /** Server-side edit of a board's Yjs document (from collab), e.g. appending a generation to a card. */
  withDocument?: (boardId: string, fn: (doc: import("yjs").Doc) => void) => Promise<void>;
  /** Named, automatic and pre-restore versions of boards (absent where no collab runs, e.g. some tests). */
  versions?: BoardVersions;
  /** Boards' CLIP embeddings held in memory for search (absent: every search runs in SQL). */
  embeddings?: EmbeddingIndex;
}

export interface Context extends Services {
  session: Session;
  /** Where the request came from (`http/client-address.ts`): the key of per-address limits. */
  clientAddress: string;
  /** Over HTTP: replaces the caller's session cookie in the response (absent on sockets, which can't). */
  setSessionCookie?: (value: string) => void;
}

const RANK: Record<BoardRole, number> = { VIEWER: 0, EDITOR: 1, OWNER: 2 };

/** The caller's role on the board, at least `min`; NOT_FOUND when not a member (no board enumeration). */
export async function requireRole(ctx: Context, boardId: string, min: BoardRole): Promise<BoardRole> {
  return checkRole(await ctx.auth.boardRole(ctx.session.userId, boardId), min);
}

/** The same rule for a role already read (e.g. joined into the query that found the object). */
export function checkRole(role: BoardRole | null | undefined, min: BoardRole): BoardRole {
  if (!role) throw new TesseraError("NOT_FOUND");
  if (RANK[role] < RANK[min]) throw new TesseraError("FORBIDDEN");
  return role;
}

/**
 * Writes the caller's user row before a first write refers to it. A new row counts against the caller's
 * address (racing first writes of one guest may each count: harmless at this budget).
 */
export async function ensureCaller(ctx: Context): Promise<void> {
  if (ctx.session.persisted) return;
  if (!(await ctx.writeLimits.newUsers.take(ctx.clientAddress))) {
    throw new TesseraError("RATE_LIMITED", "Too many new guests from your network in the last hour. Try again later.");
  }
  await ctx.auth.ensureUser(ctx.session);
}

export function requireGenerations(ctx: Context): GenerationService {
  if (!ctx.generations) throw new TesseraError("RUNNER_UNAVAILABLE");
  return ctx.generations;
}
