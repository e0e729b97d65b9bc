/**
 * Identity and board roles: guests get a user row and a signed cookie on first contact; every transport
 * (HTTP, graphql-ws, Hocuspocus) resolves the same cookie to the same user.
 */
import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { TesseraError } from "@tessera/shared";
import type { PrismaClient } from "../db/index.ts";
import { readCookie, SESSION_COOKIE, signSession, verifySession } from "./cookie.ts";

export {
  clearSessionCookieHeader,
  loadSecret,
  SESSION_COOKIE,
  sessionCookieHeader,
  signSession,
  verifySession,
} from "./cookie.ts";

export type BoardRole = "OWNER" | "EDITOR" | "VIEWER";
export interface Session {
  userId: string;
  displayName: string;
}

export function newId(): string {
  return randomBytes(12).toString("base64url");
}

const ADJECTIVES = ["Amber", "Brisk", "Calm", "Deft", "Eager", "Fuzzy", "Gentle", "Hazel", "Lucky", "Quiet"];
const ANIMALS = ["Otter", "Heron", "Lynx", "Panda", "Finch", "Koala", "Moose", "Raven", "Tapir", "Wren"];
function guestName(): string {
  const b = randomBytes(2);
  return `${ADJECTIVES[b[0]! % ADJECTIVES.length]} ${ANIMALS[b[1]! % ANIMALS.length]}`;
}

export interface Auth {
  secret: string;
  sessionFromHeaders(headers: IncomingHttpHeaders): Promise<Session | null>;
  /**
   * The session, or a new guest user plus the cookie value to set when there is no cookie. A cookie that is
   * present but invalid (forged, old secret, deleted user) throws UNAUTHENTICATED: the caller clears it.
   */
  sessionOrGuest(headers: IncomingHttpHeaders): Promise<{ session: Session; setCookie?: string }>;
  cookieFor(userId: string): string;
  boardRole(userId: string, boardId: string): Promise<BoardRole | null>;
  /** For Hocuspocus: throws UNAUTHENTICATED / FORBIDDEN. */
  authorize(headers: IncomingHttpHeaders, boardId: string): Promise<Session & { role: BoardRole }>;
}

export function createAuth(prisma: PrismaClient, secret: string): Auth {
  async function sessionFromHeaders(headers: IncomingHttpHeaders): Promise<Session | null> {
    const raw = readCookie(headers, SESSION_COOKIE);
    const userId = raw ? verifySession(secret, raw) : null;
    if (!userId) return null;
    const user = await prisma.user.findUnique({ where: { id: userId } });
    return user ? { userId: user.id, displayName: user.displayName } : null;
  }
  async function boardRole(userId: string, boardId: string): Promise<BoardRole | null> {
    const m = await prisma.boardMember.findUnique({ where: { boardId_userId: { boardId, userId } } });
    return m?.role ?? null;
  }
  return {
    secret,
    sessionFromHeaders,
    boardRole,
    cookieFor: (userId) => signSession(secret, userId),
    async sessionOrGuest(headers) {
      const existing = await sessionFromHeaders(headers);
      if (existing) return { session: existing };
      if (readCookie(headers, SESSION_COOKIE) !== null) throw new TesseraError("UNAUTHENTICATED");
      const user = await prisma.user.create({ data: { id: newId(), displayName: guestName() } });
      return {
        session: { userId: user.id, displayName: user.displayName },
        setCookie: signSession(secret, user.id),
      };
    },
    async authorize(headers, boardId) {
      const session = await sessionFromHeaders(headers);
      if (!session) throw new TesseraError("UNAUTHENTICATED");
      const role = await boardRole(session.userId, boardId);
      if (!role) throw new TesseraError("FORBIDDEN");
      return { ...session, role };
    },
  };
}
