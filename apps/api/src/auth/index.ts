/**
 * Identity and board roles: a guest gets a signed cookie on first contact and a user row on their first
 * write (a board, a share link joined, a name); every transport (HTTP, graphql-ws, Hocuspocus) resolves the
 * same cookie to the same user. Why the row waits: anonymous reads (a page load, a scraper, a query
 * with bad GraphQL) would otherwise add a row each, without bound.
 */
import { createHash, randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { TesseraError } from "@tessera/shared";
import type { PrismaClient } from "../db/index.ts";
import { needsReissue, readCookie, SESSION_COOKIE, signSession, verifySession } from "./cookie.ts";

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
  /** The user row exists (known when the session was read): a first write has nothing to insert. */
  persisted?: boolean;
  /** The cookie's session version (equal to the user's `sessionVersion` for a valid session). */
  version?: number;
}

export function newId(): string {
  return randomBytes(12).toString("base64url");
}

const ADJECTIVES = ["Amber", "Brisk", "Calm", "Deft", "Eager", "Fuzzy", "Gentle", "Hazel", "Lucky", "Quiet"];
const ANIMALS = ["Otter", "Heron", "Lynx", "Panda", "Finch", "Koala", "Moose", "Raven", "Tapir", "Wren"];
/** A guest's name before they choose one: derived from the id, so it is the same on every request. */
export function guestNameFor(userId: string): string {
  const b = createHash("sha256").update(userId).digest();
  return `${ADJECTIVES[b[0]! % ADJECTIVES.length]} ${ANIMALS[b[1]! % ANIMALS.length]}`;
}

export interface Auth {
  secret: string;
  /**
   * The caller named by a validly signed cookie, or null. A signed id with no row yet is a guest who has
   * not written anything: only this server can sign ids, so it is theirs.
   */
  sessionFromHeaders(headers: IncomingHttpHeaders): Promise<Session | null>;
  /**
   * The session, or a new guest plus the cookie value to set when there is no cookie (no database write).
   * A cookie that is present but invalid (forged, old secret) throws UNAUTHENTICATED: the caller clears it.
   */
  sessionOrGuest(headers: IncomingHttpHeaders): Promise<{ session: Session; setCookie?: string }>;
  /**
   * For page loads, with no database work: the cookie value to set for a new guest, "clear" for an invalid
   * cookie, or null when the cookie is already valid.
   */
  pageCookie(headers: IncomingHttpHeaders): string | "clear" | null;
  /** Writes the caller's user row before their first write refers to it; idempotent and safe to race. */
  ensureUser(session: Session): Promise<void>;
  cookieFor(userId: string, version?: number): string;
  /**
   * "Sign out everywhere else": bumps the user's session version, so every cookie issued before stops
   * working, and returns a fresh cookie for the caller's own session.
   */
  revokeOtherSessions(session: Session): Promise<string>;
  boardRole(userId: string, boardId: string): Promise<BoardRole | null>;
  /** For Hocuspocus: throws UNAUTHENTICATED / FORBIDDEN. */
  authorize(headers: IncomingHttpHeaders, boardId: string): Promise<Session & { role: BoardRole }>;
}

export function createAuth(prisma: PrismaClient, secret: string): Auth {
  async function signedSession(headers: IncomingHttpHeaders) {
    const raw = readCookie(headers, SESSION_COOKIE);
    const signed = raw ? verifySession(secret, raw) : null;
    if (!signed) return null;
    const user = await prisma.user.findUnique({ where: { id: signed.userId } });
    // A cookie from before the user signed out everywhere else names an older version: it no longer works.
    if ((user?.sessionVersion ?? 0) !== signed.version) return null;
    const session: Session = user
      ? { userId: user.id, displayName: user.displayName, persisted: true, version: signed.version }
      : { userId: signed.userId, displayName: guestNameFor(signed.userId), persisted: false, version: 0 };
    return { session, reissue: needsReissue(signed) };
  }
  async function sessionFromHeaders(headers: IncomingHttpHeaders): Promise<Session | null> {
    return (await signedSession(headers))?.session ?? null;
  }
  async function boardRole(userId: string, boardId: string): Promise<BoardRole | null> {
    const m = await prisma.boardMember.findUnique({ where: { boardId_userId: { boardId, userId } } });
    return m?.role ?? null;
  }
  return {
    secret,
    sessionFromHeaders,
    boardRole,
    cookieFor: (userId, version = 0) => signSession(secret, userId, version),
    async revokeOtherSessions(session) {
      const user = await prisma.user.update({
        where: { id: session.userId },
        data: { sessionVersion: { increment: 1 } },
        select: { sessionVersion: true },
      });
      session.version = user.sessionVersion;
      return signSession(secret, session.userId, user.sessionVersion);
    },
    async sessionOrGuest(headers) {
      const existing = await signedSession(headers);
      if (existing) {
        const { session, reissue } = existing;
        return reissue
          ? { session, setCookie: signSession(secret, session.userId, session.version ?? 0) }
          : { session };
      }
      if (readCookie(headers, SESSION_COOKIE) !== null) throw new TesseraError("UNAUTHENTICATED");
      const userId = newId();
      return {
        session: { userId, displayName: guestNameFor(userId), persisted: false },
        setCookie: signSession(secret, userId),
      };
    },
    pageCookie(headers) {
      const raw = readCookie(headers, SESSION_COOKIE);
      if (raw === null) return signSession(secret, newId());
      const signed = verifySession(secret, raw);
      if (!signed) return "clear";
      // No database work for a page: a revoked version is caught by the first GraphQL request instead.
      return needsReissue(signed) ? signSession(secret, signed.userId, signed.version) : null;
    },
    async ensureUser(session) {
      // ON CONFLICT DO NOTHING: two first writes at once both succeed, and a chosen name is never reset.
      await prisma.user.createMany({
        data: [{ id: session.userId, displayName: session.displayName }],
        skipDuplicates: true,
      });
      session.persisted = true;
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
