/**
 * The address a request came from, for per-address limits. Behind `hops` trusted proxies that each append
 * to X-Forwarded-For, the client is the entry `hops` from the right: entries further left are whatever the
 * client chose to send. With no proxy (hops = 0) the header is ignored.
 */
import type { IncomingMessage } from "node:http";

export function clientAddress(req: IncomingMessage, hops: number): string {
  const direct = req.socket.remoteAddress ?? "unknown";
  if (hops <= 0) return direct;
  const header = req.headers["x-forwarded-for"];
  const list = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return list[list.length - hops] ?? list[0] ?? direct;
}

/**
 * Whether the browser reached us over TLS, so the session cookie may be marked Secure: the socket itself is
 * TLS, PUBLIC_URL says https, or (behind `hops` trusted proxies) the proxy nearest us says
 * `X-Forwarded-Proto: https`. Never the header alone without a trusted proxy: a client could set it.
 */
export function reachedOverTls(req: IncomingMessage, hops: number, publicUrl?: string): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted) return true;
  if (publicUrl?.startsWith("https:")) return true;
  if (hops <= 0) return false;
  const header = req.headers["x-forwarded-proto"];
  const list = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  return list.at(-1) === "https";
}
