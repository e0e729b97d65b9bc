/**
 * Prompt matrices over GraphQL (issue 17 item 4). A matrix's cells are ordinary generations (events, votes,
 * comments and exports work on them as on any other); the card lists only the first cell, and the web draws
 * the whole grid from `Generation.matrix`.
 */
import { parsePromptMatrix, TesseraError } from "@tessera/shared";
import { type Context, requireGenerations, requireRole } from "./context.ts";
import { listOnCard, type Params, splitParams } from "./generation-resolvers.ts";
import { idArg as id, parseArg } from "./validate.ts";

interface MatrixRow {
  id: string;
  boardId: string;
  template: string;
  createdById: string;
}

export const matrixQueries = {
  promptMatrix: async (_: unknown, args: { id: string }, ctx: Context) => {
    const m = await ctx.prisma.promptMatrix.findUnique({ where: { id: parseArg(id, args.id) } });
    if (!m) return null;
    return (await ctx.auth.boardRole(ctx.session.userId, m.boardId)) ? m : null;
  },
};

export const matrixMutations = {
  startPromptMatrix: async (
    _: unknown,
    args: { boardId: string; cardId: string; prompt: string; n: number; params?: Params | null },
    ctx: Context,
  ) => {
    const boardId = parseArg(id, args.boardId);
    await requireRole(ctx, boardId, "EDITOR");
    const { matrix, generations } = await requireGenerations(ctx).startMatrix({
      userId: ctx.session.userId,
      boardId,
      cardId: parseArg(id, args.cardId),
      prompt: args.prompt,
      n: args.n,
      ...splitParams(args.params),
    });
    // The card lists the first cell: every client's card shows the matrix at once.
    if (generations[0]) await listOnCard(ctx, generations[0]);
    return matrix;
  },
};

/** The grid's shape and labels, from the template (one source of truth: parsePromptMatrix). */
function shape(m: MatrixRow) {
  const parsed = parsePromptMatrix(m.template);
  if (!parsed.ok || !parsed.matrix) throw new TesseraError("INTERNAL", "This matrix's prompt no longer parses.");
  return parsed.matrix;
}

export const matrixFields = {
  rows: (m: MatrixRow) => shape(m).rows,
  cols: (m: MatrixRow) => shape(m).cols,
  rowLabels: (m: MatrixRow) => shape(m).rowLabels,
  colLabels: (m: MatrixRow) => shape(m).colLabels,
  createdBy: (m: MatrixRow, _: unknown, ctx: Context) =>
    ctx.prisma.user.findUniqueOrThrow({ where: { id: m.createdById } }),
  cells: async (m: MatrixRow, _: unknown, ctx: Context) => {
    const grid = shape(m);
    const generations = await ctx.prisma.generation.findMany({
      where: { matrixId: m.id },
      orderBy: { matrixCell: "asc" },
    });
    return generations.map((g) => {
      const cell = grid.cells[g.matrixCell ?? 0]!;
      return { row: cell.row, col: cell.col, prompt: g.prompt, generation: g };
    });
  },
};

export const matrixGenerationFields = {
  matrix: (g: { matrixId?: string | null }, _: unknown, ctx: Context) =>
    g.matrixId ? ctx.prisma.promptMatrix.findUnique({ where: { id: g.matrixId } }) : null,
};
