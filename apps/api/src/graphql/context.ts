/** What every resolver gets: the caller, the database and the services. */
import { TesseraError } from "@tessera/shared";
import type { Auth, BoardRole, Session } from "../auth/index.ts";
import type { PrismaClient } from "../db/index.ts";
import type { BoardActivityBus } from "../generation/board-activity.ts";
import type { GenerationEngine } from "../generation/engine.ts";
import type { GenerationService } from "../generation/service.ts";

export interface Services {
  prisma: PrismaClient;
  auth: Auth;
  activity: BoardActivityBus;
  /** Null when no model bundle could be loaded: generation mutations fail with RUNNER_UNAVAILABLE. */
  engine: GenerationEngine | null;
  generations: GenerationService | null;
  /** Server-side edit of a board's Yjs document (from collab), e.g. appending a generation to a card. */
  withDocument?: (boardId: string, fn: (doc: import("yjs").Doc) => void) => Promise<void>;
}

export interface Context extends Services {
  session: Session;
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

export function requireGenerations(ctx: Context): GenerationService {
  if (!ctx.generations) throw new TesseraError("RUNNER_UNAVAILABLE");
  return ctx.generations;
}
