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
