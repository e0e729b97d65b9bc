/**
 * Which browser origins may open Tessera's WebSockets. Apollo's CSRF prevention covers HTTP only, and a
 * WebSocket upgrade carries the SameSite=Lax session cookie from any page of the same site (another port of
 * the same host is the same site), so without this check such a page could open a victim's /graphql or
 * /yjs socket and act as them (cross-site WebSocket hijacking). Browsers always send `Origin` on an upgrade;
 * requests without one are not from a browser page (the CLI, tests, other servers) and carry no victim's
 * ambient authority, so they pass.
 */
export interface OriginPolicy {
  /** Exact origins allowed (PUBLIC_URL and TESSERA_ALLOWED_ORIGINS); empty = the listening origin. */
  allowed: ReadonlySet<string>;
  /** The host the server listens on (HOST) and its port, for the default. */
  host: string;
  port: number;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);
const WILDCARD = new Set(["0.0.0.0", "::", "[::]"]);

/** Normalises an origin string (`http://LOCALHOST:3000/` → `http://localhost:3000`); null if it isn't one. */
export function normaliseOrigin(value: string): string | null {
  try {
    const u = new URL(value);
    if (u.protocol !== "http:" && u.protocol !== "https:") return null;
    return u.origin;
  } catch {
    return null;
  }
}

export function allowedOrigins(publicUrl: string | undefined, extra: string | undefined): Set<string> {
  const out = new Set<string>();
  for (const v of [publicUrl, ...(extra ?? "").split(",")]) {
    const o = v?.trim() ? normaliseOrigin(v.trim()) : null;
    if (o) out.add(o);
  }
  return out;
}

/**
 * Whether a WebSocket upgrade with this `Origin` (and `Host`) may proceed. With allowed origins configured,
 * only those. Otherwise the listening origin: on a loopback address any loopback name with the listening
 * port (a browser may say localhost or 127.0.0.1); on a wildcard address the origin must name the very host
 * and port the request was sent to.
 */
export function originAllowed(
  origin: string | undefined,
  hostHeader: string | undefined,
  policy: OriginPolicy,
): boolean {
  if (origin === undefined) return true;
  const o = normaliseOrigin(origin);
  if (!o) return false; // "null" (sandboxed frames, file://) and anything unparsable
  if (policy.allowed.size > 0) return policy.allowed.has(o);
  const u = new URL(o);
  const port = u.port === "" ? (u.protocol === "https:" ? 443 : 80) : Number(u.port);
  if (port !== policy.port) return false;
  if (WILDCARD.has(policy.host)) return hostHeader !== undefined && u.host === hostHeader.toLowerCase();
  if (LOOPBACK.has(policy.host)) return LOOPBACK.has(u.hostname);
  return u.hostname === policy.host.toLowerCase();
}
