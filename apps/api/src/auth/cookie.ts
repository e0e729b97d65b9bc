/**
 * The session cookie `tessera_session`: `<userId>.<hmac>` signed with HMAC-SHA256, HTTP-only, SameSite=Lax.
 * The secret comes from TESSERA_SECRET or is generated into `<dataDir>/secret` on first start.
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

function mac(secret: string, value: string): string {
  return createHmac("sha256", secret).update(value).digest("base64url");
}

export function signSession(secret: string, userId: string): string {
  return `${userId}.${mac(secret, userId)}`;
}

export function verifySession(secret: string, value: string): string | null {
  const dot = value.lastIndexOf(".");
  if (dot <= 0) return null;
  const userId = value.slice(0, dot);
  if (!USER_ID.test(userId)) return null;
  const given = Buffer.from(value.slice(dot + 1));
  const want = Buffer.from(mac(secret, userId));
  return given.length === want.length && timingSafeEqual(given, want) ? userId : null;
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
  attrs.push(`Max-Age=${60 * 60 * 24 * 365}`);
  if (secure) attrs.push("Secure");
  return attrs.join("; ");
}
