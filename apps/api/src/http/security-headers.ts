/**
 * Headers every HTTP response carries. The policy limits what an injected script could do (no scripts,
 * frames, objects or connections from other origins; no framing of Tessera by another site) and stops
 * browsers from sniffing a PNG or JSON into HTML. Next.js inlines its bootstrap scripts, so scripts allow
 * 'unsafe-inline' but only this origin's files; React escapes every prompt and name it renders.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export function contentSecurityPolicy(host: string | undefined): string {
  // `'self'` covers ws:/wss: of the same host in CSP 3, which older engines don't apply: named explicitly.
  const sockets = host && /^[A-Za-z0-9.[\]:-]+$/.test(host) ? ` ws://${host} wss://${host}` : "";
  return [
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${sockets}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export function setSecurityHeaders(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader("content-security-policy", contentSecurityPolicy(req.headers.host));
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("x-frame-options", "DENY");
  res.setHeader("referrer-policy", "strict-origin-when-cross-origin");
  res.setHeader("cross-origin-opener-policy", "same-origin");
  res.setHeader("permissions-policy", "camera=(), microphone=(), geolocation=()");
}

/**
 * `/metrics` tells an outsider how busy the server is and what it runs: only for a scraper presenting
 * TESSERA_METRICS_TOKEN as a bearer token, or, without one configured, for connections from this machine
 * that came through no proxy.
 */
export function metricsAllowed(req: IncomingMessage, token: string | undefined): boolean {
  if (token) return req.headers.authorization === `Bearer ${token}`;
  const a = req.socket.remoteAddress ?? "";
  const local = a === "127.0.0.1" || a === "::1" || a === "::ffff:127.0.0.1";
  return local && req.headers["x-forwarded-for"] === undefined;
}
