/**
 * `/images/<candidateId>.png`: board-level access control (the caller must be a member of the candidate's
 * board), the PNG from the database or rendered from tokens and cached there. Images never change, so
 * they are immutable for the browser's private cache.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Auth } from "../auth/index.ts";
import type { PrismaClient } from "../db/index.ts";
import type { GenerationEngine } from "../generation/engine.ts";
import { plainText } from "./plain-text.ts";

const PATH = /^\/images\/([A-Za-z0-9_-]{1,64})\.png$/;

export function matchImagePath(pathname: string): string | null {
  return PATH.exec(pathname)?.[1] ?? null;
}

export async function serveImage(
  req: IncomingMessage,
  res: ServerResponse,
  candidateId: string,
  deps: { prisma: PrismaClient; auth: Auth; engine: GenerationEngine | null },
): Promise<void> {
  const session = await deps.auth.sessionFromHeaders(req.headers);
  if (!session) return plainText(res, 401, "Sign in first.");
  const c = await deps.prisma.candidate.findUnique({
    where: { id: candidateId },
    select: { id: true, tokens: true, png: true, generation: { select: { boardId: true } } },
  });
  // Same answer for "missing" and "not yours", so ids can't be probed.
  if (!c || !(await deps.auth.boardRole(session.userId, c.generation.boardId)))
    return plainText(res, 404, "Not found.");
  const etag = `"${c.id}"`;
  const headers = { "content-type": "image/png", "cache-control": "private, max-age=31536000, immutable", etag };
  if (req.headers["if-none-match"] === etag) {
    res.writeHead(304, headers).end();
    return;
  }
  let png = c.png;
  if (!png) {
    if (!deps.engine) return plainText(res, 503, "The image engine is not available right now.");
    png = Buffer.from(await deps.engine.renderPng(c.tokens));
    await deps.prisma.candidate.update({ where: { id: c.id }, data: { png } });
  }
  res.writeHead(200, { ...headers, "content-length": png.byteLength });
  res.end(req.method === "HEAD" ? undefined : Buffer.from(png));
}

/**
 * The model's concept sprite sheet: public (it ships in the repository's bundle) and versioned by the URL's
 * `?v=` (the bundle name and version), so browsers may keep it.
 */
export async function serveConceptSprites(
  req: IncomingMessage,
  res: ServerResponse,
  engine: GenerationEngine | null,
): Promise<void> {
  const png = engine ? await engine.conceptSprites().catch(() => null) : null;
  if (!png) return plainText(res, 404, "This model ships no concept pictures.");
  res.writeHead(200, {
    "content-type": "image/png",
    "content-length": png.byteLength,
    "cache-control": "public, max-age=86400",
  });
  res.end(req.method === "HEAD" ? undefined : Buffer.from(png));
}
