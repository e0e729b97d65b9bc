import type { ServerResponse } from "node:http";

/** A short text answer for non-GraphQL routes (images, exports): never cached, since it is usually an error. */
export function plainText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" }).end(text);
}
