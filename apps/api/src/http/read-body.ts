/**
 * Reads a request body up to `max` bytes; beyond that rejects with status 413.
 *
 * A body declared too large is answered at once and then drained (read and dropped, bounded by its
 * declared length and Node's request timeout), so the client reads the 413 before its upload ends: hanging
 * up instead left some clients with a reset and no answer (bench:abuse: 1-9 % of 10 MB uploads). A body
 * that outgrows the limit while it streams (chunked, no length) has no bound to drain to: reading stops
 * and the 413 closes the connection (`closeConnection`).
 */
import type { IncomingMessage } from "node:http";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The connection can't be reused after this answer (the request's body was left unread). */
    readonly closeConnection = false,
  ) {
    super(message);
  }
}

export function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const tooLarge = (close: boolean) => new HttpError(413, `Request bodies are limited to ${max} bytes.`, close);
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > max) {
      req.resume();
      return reject(tooLarge(false));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.off("data", onData);
        req.pause();
        reject(tooLarge(true));
        return;
      }
      chunks.push(c);
    };
    req.on("data", onData);
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
