import type { IncomingMessage, ServerResponse } from "node:http";
import { LIMITS } from "@tessera/shared";
import { Zip, ZipDeflate, ZipPassThrough } from "fflate";
import type { Auth } from "../auth/index.ts";
import type { PrismaClient } from "../db/index.ts";
import { contactSheet, upscalePng } from "../export/pictures.ts";
import type { GenerationEngine } from "../generation/engine.ts";
import { plainText } from "./plain-text.ts";

/** `/export/<boardId>.zip` (the whole board) or `…?card=<cardId>` (one card). */
export function matchExportPath(path: string): string | null {
  return /^\/export\/([A-Za-z0-9_-]{1,64})\.zip$/.exec(path)?.[1] ?? null;
}

const UPSCALE = 4;

/**
 * A board's (or one card's) finished work as a ZIP, streamed as it is read: every candidate's PNG at the
 * model's size and ×4 nearest-neighbour, `tessera.json` (prompts, seeds, settings, CLIP scores, ranks, votes, comments (candidates' and cards'), reactions,
 * who made each generation and what it was), and `contact-sheet.png` (each generation's CLIP #1). Members only
 * (viewers too); bounded at LIMITS.exportMaxCandidates candidates. PNGs are stored (they don't compress), the
 * JSON deflated; one candidate's pictures are in memory at a time.
 */
export async function serveBoardExport(
  req: IncomingMessage,
  res: ServerResponse,
  boardId: string,
  cardId: string | null,
  deps: { prisma: PrismaClient; auth: Auth; engine: GenerationEngine | null },
): Promise<void> {
  const session = await deps.auth.sessionFromHeaders(req.headers);
  if (!session) return plainText(res, 401, "Sign in first.");
  if (cardId !== null && !/^[A-Za-z0-9_-]{1,64}$/.test(cardId))
    return plainText(res, 400, "That card id is not valid.");
  // Same answer for "missing" and "not yours", so board ids can't be probed.
  if (!(await deps.auth.boardRole(session.userId, boardId))) return plainText(res, 404, "Not found.");
  const board = await deps.prisma.board.findUnique({ where: { id: boardId }, select: { name: true } });
  if (!board) return plainText(res, 404, "Not found.");
  const where = { boardId, status: "FINISHED" as const, ...(cardId ? { cardId } : {}) };
  const count = await deps.prisma.candidate.count({ where: { generation: where } });
  if (count > LIMITS.exportMaxCandidates)
    return plainText(
      res,
      413,
      `This holds ${count} images; an export takes at most ${LIMITS.exportMaxCandidates}. Export one card at a time.`,
    );
  const gens = await deps.prisma.generation.findMany({
    where,
    orderBy: [{ cardId: "asc" }, { createdAt: "asc" }],
    select: {
      id: true,
      cardId: true,
      prompt: true,
      n: true,
      seed: true,
      params: true,
      sourceCandidateId: true,
      keepRows: true,
      modelName: true,
      modelVersion: true,
      createdAt: true,
      createdBy: { select: { displayName: true } },
      candidates: {
        orderBy: { index: "asc" },
        select: {
          id: true,
          index: true,
          rank: true,
          clipScore: true,
          tags: true,
          _count: { select: { votes: true } },
          comments: {
            orderBy: { createdAt: "asc" },
            select: { body: true, createdAt: true, author: { select: { displayName: true } } },
          },
          reactions: { select: { emoji: true } },
        },
      },
    },
  });

  const slug =
    board.name
      .replace(/[^A-Za-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 40) || "board";
  res.writeHead(200, {
    "content-type": "application/zip",
    "content-disposition": `attachment; filename="tessera-${slug}${cardId ? "-card" : ""}.zip"`,
    "cache-control": "no-store",
    "x-export-images": String(count),
  });
  let failed = false;
  const zip = new Zip((err, chunk, final) => {
    if (err) {
      failed = true;
      res.destroy(err);
      return;
    }
    res.write(chunk);
    if (final) res.end();
  });
  const drained = () =>
    res.writableNeedDrain ? new Promise<void>((ok) => res.once("drain", () => ok())) : Promise.resolve();
  const store = async (name: string, data: Uint8Array) => {
    const f = new ZipPassThrough(name);
    zip.add(f);
    f.push(data, true);
    await drained();
  };

  try {
    const cards = new Map<string, number>();
    const firsts: Uint8Array[] = [];
    const index = [];
    for (const g of gens) {
      const k = (cards.get(g.cardId) ?? 0) + 1;
      cards.set(g.cardId, k);
      const dir = `card-${g.cardId.slice(0, 8)}/generation-${k}`;
      const candidates = [];
      for (const c of g.candidates) {
        if (failed || res.destroyed) return;
        const row = await deps.prisma.candidate.findUnique({
          where: { id: c.id },
          select: { png: true, tokens: true },
        });
        let png: Uint8Array | null = row?.png ?? null;
        if (!png && row && deps.engine) png = await deps.engine.renderPng(row.tokens);
        const base = `${dir}/${c.rank != null ? `rank-${c.rank}` : `image-${c.index + 1}`}`;
        if (png) {
          await store(`${base}.png`, png);
          await store(`${base}-x${UPSCALE}.png`, upscalePng(png, UPSCALE));
          if (c.rank === 1 || (c.rank == null && c.index === 0)) firsts.push(png);
        }
        candidates.push({
          id: c.id,
          index: c.index,
          rank: c.rank,
          clipScore: c.clipScore,
          // CLIP's zero-shot tags (issue 17 item 5); the embeddings stay in the database.
          tags: c.tags ?? [],
          votes: c._count.votes,
          comments: c.comments.map((m) => ({ by: m.author.displayName, at: m.createdAt, text: m.body })),
          reactions: Object.fromEntries(
            [...new Set(c.reactions.map((r) => r.emoji))].map((e) => [
              e,
              c.reactions.filter((r) => r.emoji === e).length,
            ]),
          ),
          files: png ? [`${base}.png`, `${base}-x${UPSCALE}.png`] : [],
        });
      }
      index.push({
        id: g.id,
        cardId: g.cardId,
        onCard: k,
        prompt: g.prompt,
        n: g.n,
        seed: g.seed,
        params: g.params,
        remixOf: g.sourceCandidateId ? { candidateId: g.sourceCandidateId, keptRows: g.keepRows } : null,
        model: `${g.modelName}@${g.modelVersion}`,
        createdBy: g.createdBy.displayName,
        createdAt: g.createdAt.toISOString(),
        candidates,
      });
    }
    const sheet = contactSheet(firsts);
    if (sheet) await store("contact-sheet.png", sheet);
    // The cards' own threads (a card's comments have no candidate), bounded like a thread is.
    const cardComments = await deps.prisma.comment.findMany({
      where: { boardId, candidateId: null, ...(cardId ? { cardId } : {}) },
      orderBy: [{ cardId: "asc" }, { createdAt: "asc" }],
      take: 50 * LIMITS.commentsPerCandidateMax,
      select: { cardId: true, body: true, createdAt: true, author: { select: { displayName: true } } },
    });
    const json = new ZipDeflate("tessera.json", { level: 6 });
    zip.add(json);
    const doc = {
      board: { id: boardId, name: board.name },
      card: cardId,
      exportedAt: new Date().toISOString(),
      upscale: `×${UPSCALE} nearest neighbour`,
      generations: index,
      cardComments: cardComments.map((m) => ({
        cardId: m.cardId,
        by: m.author.displayName,
        at: m.createdAt,
        text: m.body,
      })),
    };
    json.push(new TextEncoder().encode(`${JSON.stringify(doc, null, 1)}\n`), true);
    zip.end();
  } catch (err) {
    // The answer has begun: the download fails visibly rather than ending as a truncated ZIP that looks whole.
    res.destroy(err as Error);
  }
}
