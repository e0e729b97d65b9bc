/**
 * The session cookie `tessera_session`: `<userId>.<version>.<issuedAt>.<hmac>`, signed with HMAC-SHA256,
 * HTTP-only, SameSite=Lax. It expires SESSION_MAX_AGE_S after it was issued (a session in use is re-issued
 * daily, so only idle ones lapse), and `version` must equal the user's `sessionVersion`: bumping that signs
 * out every other device at once. The secret comes from TESSERA_SECRET or `<dataDir>/secret`.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import type { IncomingHttpHeaders } from "node:http";
import { join } from "node:path";

export const SESSION_COOKIE = "tessera_session";
const USER_ID = /^[A-Za-z0-9_-]{8,64}$/;

export async function loadSecret(dataDir: string, fromEnv?: string): Promise<string> {
  if (fromEnv) return fromEnv;
  const file = join(dataDir, "secret");
  if (existsSync(file)) return (await readFile(file, "utf8")).trim();
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  // wx: two processes starting at once must not overwrite each other's secret.
  await writeFile(file, secret, { mode: 0o600, flag: "wx" }).catch(() => {});
  return (await readFile(file, "utf8")).trim();
}

/** An idle session lapses after 30 days; one in use is re-issued once a day (sliding expiry). */
export const SESSION_MAX_AGE_S = 30 * 24 * 60 * 60;
export const SESSION_REISSUE_AFTER_S = 24 * 60 * 60;

function mac(secret: string, value: string): string {
  return createHmac("sha256", secret).update(value).digest("base64url");
}

export interface SignedSession {
  userId: string;
  version: number;
  /** Seconds since the epoch; null for a cookie of the old, unversioned format (re-issued at once). */
  issuedAt: number | null;
}

const nowS = () => Math.floor(Date.now() / 1000);

export function signSession(secret: string, userId: string, version = 0, issuedAt = nowS()): string {
  const body = `${userId}.${version}.${issuedAt}`;
  return `${body}.${mac(secret, `v2|${body}`)}`;
}

function macOk(given: string, want: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The session a cookie names, or null when it is forged, malformed or expired. */
export function verifySession(secret: string, value: string, now = nowS()): SignedSession | null {
  const parts = value.split(".");
  if (parts.length === 2) {
    // The format before versions and expiry: still honoured (version 0), and replaced on its next use.
    const [userId, given] = parts as [string, string];
    return USER_ID.test(userId) && macOk(given, mac(secret, userId)) ? { userId, version: 0, issuedAt: null } : null;
  }
  if (parts.length !== 4) return null;
  const [userId, v, t, given] = parts as [string, string, string, string];
  if (!USER_ID.test(userId) || !/^\d{1,9}$/.test(v) || !/^\d{1,12}$/.test(t)) return null;
  if (!macOk(given, mac(secret, `v2|${userId}.${v}.${t}`))) return null;
  const issuedAt = Number(t);
  if (issuedAt > now + 300 || now - issuedAt > SESSION_MAX_AGE_S) return null;
  return { userId, version: Number(v), issuedAt };
}

/** Whether a valid cookie should be replaced by a fresh one (old format, or issued over a day ago). */
export function needsReissue(s: SignedSession, now = nowS()): boolean {
  return s.issuedAt === null || now - s.issuedAt > SESSION_REISSUE_AFTER_S;
}

export function readCookie(headers: IncomingHttpHeaders, name: string): string | null {
  const raw = headers.cookie;
  if (!raw) return null;
  for (const part of raw.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

export function clearSessionCookieHeader(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`;
}

export function sessionCookieHeader(value: string, secure: boolean): string {
  const attrs = [`${SESSION_COOKIE}=${encodeURIComponent(value)}`, "Path=/", "HttpOnly", "SameSite=Lax"];
  attrs.push(`Max-Age=${SESSION_MAX_AGE_S}`);
  if (secure) attrs.push("Secure");
  return attrs.join("; ");
}
