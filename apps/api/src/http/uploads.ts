/**
 * `POST /uploads?board=…&card=…` with a picture as the body (issue 17 item 3). Only from Tessera's own pages:
 * the request must carry an allowed `Origin` and the `x-tessera-upload` header (which no cross-site form can
 * send, and which a cross-origin fetch can't send without a CORS preflight Tessera never grants) — a page on
 * another port of the same host gets the session cookie along (same site), so the cookie alone proves nothing.
 * Editors only, a budget per person and hour, the body bounded before it is read.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isTesseraError, LIMITS } from "@tessera/shared";
import type { Auth } from "../auth/index.ts";
import type { Limiter } from "../generation/rate-limit.ts";
import { storeUpload, type UploadDeps } from "../uploads/store-upload.ts";
import { HttpError, readBytes } from "./read-body.ts";

export const UPLOAD_PATH = "/uploads";
const ID = /^[A-Za-z0-9_-]{1,64}$/;

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

function refused(res: ServerResponse, status: number, code: string, message: string, reason?: string): void {
  answer(res, status, { error: { code, message, ...(reason ? { reason } : {}) } });
}

export async function serveUpload(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: Omit<UploadDeps, "engine"> & {
    engine: UploadDeps["engine"] | null;
    auth: Auth;
    limiter: Limiter;
    originOk: (origin: string | undefined) => boolean;
  },
): Promise<void> {
  if (req.method !== "POST") return refused(res, 405, "BAD_USER_INPUT", "Send the picture with POST.");
  if (
    req.headers.origin === undefined ||
    !deps.originOk(req.headers.origin) ||
    req.headers["x-tessera-upload"] !== "1"
  ) {
    return refused(res, 403, "FORBIDDEN", "Pictures can only be uploaded from Tessera's own pages.");
  }
  const session = await deps.auth.sessionFromHeaders(req.headers);
  if (!session) return refused(res, 401, "UNAUTHENTICATED", "Sign in first.");
  const boardId = url.searchParams.get("board") ?? "";
  const cardId = url.searchParams.get("card") ?? "";
  if (!ID.test(boardId) || !ID.test(cardId)) {
    return refused(res, 400, "BAD_USER_INPUT", "Say which board and card the picture is for.");
  }
  const role = await deps.auth.boardRole(session.userId, boardId);
  // Same answer for "missing" and "not yours", so board ids can't be probed.
  if (!role) return refused(res, 404, "NOT_FOUND", "That board doesn't exist, or you don't have access to it.");
  if (role === "VIEWER") return refused(res, 403, "FORBIDDEN", "Viewers can't add pictures to this board.");
  if (!deps.engine) return refused(res, 503, "RUNNER_UNAVAILABLE", "The image engine is not available right now.");
  if (!(await deps.limiter.take(session.userId))) {
    return refused(
      res,
      429,
      "RATE_LIMITED",
      `You've uploaded ${LIMITS.uploadsPerUserPerHour} pictures this hour. Try again later.`,
    );
  }
  let bytes: Buffer;
  try {
    bytes = await readBytes(req, LIMITS.uploadMaxBytes);
  } catch (e) {
    if (e instanceof HttpError && e.status === 413) {
      return refused(
        res,
        413,
        "BAD_USER_INPUT",
        `Pictures are limited to ${LIMITS.uploadMaxBytes / (1024 * 1024)} MB.`,
        "TOO_LARGE",
      );
    }
    throw e;
  }
  try {
    const stored = await storeUpload(
      { prisma: deps.prisma, engine: deps.engine, activity: deps.activity, withDocument: deps.withDocument },
      { userId: session.userId, boardId, cardId, prompt: url.searchParams.get("prompt"), bytes },
    );
    answer(res, 201, stored);
  } catch (e) {
    if (isTesseraError(e) && e.code === "BAD_USER_INPUT") {
      const status = typeof e.details?.status === "number" ? e.details.status : 400;
      return refused(res, status, e.code, e.message, e.details?.reason as string | undefined);
    }
    if (isTesseraError(e) && e.code === "RUNNER_UNAVAILABLE") return refused(res, 503, e.code, e.message);
    throw e;
  }
}
