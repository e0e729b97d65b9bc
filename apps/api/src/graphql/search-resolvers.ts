/**
 * Search the board by meaning, "more like this", and tags (issue 17 items 1 and 5). Members only: a stranger
 * gets NOT_FOUND, as everywhere. Arguments are checked before anything is read (BAD_USER_INPUT, no SQL), the
 * caller's role before the model is asked to read the text.
 */
import { searchLimitSchema, searchTagsSchema, searchTextSchema, TesseraError } from "@tessera/shared";
import { z } from "zod";
import type { GenerationEngine, TextEmbedding } from "../generation/engine.ts";
import {
  boardTagCounts,
  type CandidateMatchRow,
  candidateForSimilarity,
  listByTags,
  modelKey,
  searchBoardVectors,
  TextEmbeddingCache,
} from "../search/board-search.ts";
import { type Context, checkRole, requireRole } from "./context.ts";
import { idArg as id, parseArg } from "./validate.ts";

const DEFAULT_LIMIT = 20;
const tagCountLimit = z.number().int("limit must be a whole number").min(1).max(100, "limit must be at most 100");

const caches = new WeakMap<GenerationEngine, TextEmbeddingCache<TextEmbedding>>();

/** The text's embedding by the engine's model, from the cache when someone searched it lately. */
function embed(engine: GenerationEngine, text: string): Promise<TextEmbedding> {
  let cache = caches.get(engine);
  if (!cache) {
    cache = new TextEmbeddingCache();
    caches.set(engine, cache);
  }
  const m = engine.model();
  return cache.get(`${m.name}@${m.version}\n${text}`, () => engine.embedText(text));
}

function toMatch(row: CandidateMatchRow, named: readonly string[]) {
  const { cardId, prompt, score, ...candidate } = row;
  return {
    candidate,
    generationId: row.generationId,
    cardId,
    prompt,
    score,
    matchedTags: row.tags.filter((t) => named.includes(t)),
  };
}

export const searchQueries = {
  searchBoard: async (
    _: unknown,
    args: { boardId: string; text?: string | null; tags?: string[] | null; limit?: number | null },
    ctx: Context,
  ) => {
    const boardId = parseArg(id, args.boardId);
    const text = parseArg(searchTextSchema, args.text ?? "");
    const tags = parseArg(searchTagsSchema, args.tags ?? []);
    const limit = parseArg(searchLimitSchema, args.limit ?? DEFAULT_LIMIT);
    if (!text && tags.length === 0) {
      throw new TesseraError("BAD_USER_INPUT", "Type something to search for, or pick a tag.");
    }
    await requireRole(ctx, boardId, "VIEWER");
    if (!text) return (await listByTags(ctx.prisma, { boardId, tags, limit })).map((r) => toMatch(r, tags));
    if (!ctx.engine) throw new TesseraError("RUNNER_UNAVAILABLE");
    const query = await embed(ctx.engine, text);
    const rows = await searchBoardVectors(ctx.prisma, ctx.embeddings, {
      boardId,
      model: modelKey(ctx.engine.model()),
      vector: query.embedding,
      limit,
      boostTags: query.tags,
      filterTags: tags,
    });
    return rows.map((r) => toMatch(r, [...query.tags, ...tags]));
  },

  similarCandidates: async (_: unknown, args: { candidateId: string; limit?: number | null }, ctx: Context) => {
    const candidateId = parseArg(id, args.candidateId);
    const limit = parseArg(searchLimitSchema, args.limit ?? DEFAULT_LIMIT);
    const c = await candidateForSimilarity(ctx.prisma, candidateId, ctx.session.userId);
    if (!c) throw new TesseraError("NOT_FOUND");
    checkRole(c.role as Parameters<typeof checkRole>[0], "VIEWER");
    // Made before search existed: nothing to compare with (it is not indexed either).
    if (!c.embedding?.length || !c.model) return [];
    const rows = await searchBoardVectors(ctx.prisma, ctx.embeddings, {
      boardId: c.boardId,
      model: c.model,
      vector: c.embedding,
      limit,
      excludeId: c.id,
    });
    return rows.map((r) => toMatch(r, c.tags));
  },

  boardTags: async (_: unknown, args: { boardId: string; limit?: number | null }, ctx: Context) => {
    const boardId = parseArg(id, args.boardId);
    const limit = parseArg(tagCountLimit, args.limit ?? 30);
    await requireRole(ctx, boardId, "VIEWER");
    return boardTagCounts(ctx.prisma, boardId, limit);
  },
};

export const searchCandidateFields = {
  tags: (c: { tags?: string[] | null }) => c.tags ?? [],
};
