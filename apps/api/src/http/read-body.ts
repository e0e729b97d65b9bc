/**
 * Reads a request body up to `max` bytes; beyond that rejects with status 413 and leaves the rest unread.
 *
 * A refused upload is not read any further: the request stops pulling from the socket, so the kernel's
 * receive window closes and the client stops sending. Reading it to the end and dropping it (what this did
 * before) kept the connection reusable but made every refused 10 MB body cost the server ~4 ms of CPU on
 * its event loop plus the kernel's copying, and moved normal traffic's p99 (bench:abuse). The answer is
 * sent at once and the connection closed after it (`closeAfterAnswer`), gently: closing a socket with
 * unread data makes the kernel send a reset, which can destroy the answer before the client has read it.
 */
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The request's body was left unread: the connection must end after this answer (`closeAfterAnswer`). */
    readonly bodyUnread = false,
  ) {
    super(message);
  }
}

/** How long a connection whose upload was refused stays open after its answer, for the client to read it. */
const UNREAD_BODY_LINGER_MS = 2_000;

/**
 * Ends a connection whose request body was left unread, once its answer is written: a half-close at once
 * (the client reads the answer, then the end of the stream), the socket destroyed after a grace. The answer
 * does not say `connection: close`, because Node then destroys the socket as soon as the answer is flushed,
 * which resets it before the client may have read the answer (1-9 % of refused 10 MB uploads in bench:abuse).
 */
export function closeAfterAnswer(socket: Socket): void {
  socket.end();
  setTimeout(() => socket.destroy(), UNREAD_BODY_LINGER_MS).unref();
}

export async function readBody(req: IncomingMessage, max: number): Promise<string> {
  return (await readBytes(req, max)).toString("utf8");
}

/** The body's bytes, up to `max` (an uploaded picture); beyond that as readBody. */
export function readBytes(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => new HttpError(413, `Request bodies are limited to ${max} bytes.`, true);
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > max) {
      // read(0) on a paused request marks it as consumed, so Node doesn't drain the body after the answer
      // (it does for a request nobody read); the request buffers one chunk at most and stops the socket.
      req.pause();
      req.read(0);
      return reject(tooLarge());
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.off("data", onData);
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(c);
    };
    req.on("data", onData);
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
