/**
 * Issue 17 item 4 against the real server and runner: a prompt with {a|b} alternatives becomes a grid of
 * generations started as one job (every cell starts before any finishes), labelled, with one seed; bad
 * matrices are refused with their reason and store nothing; rights as for any generation.
 */
import { LIMITS } from "@tessera/shared";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, joinBoard, startTestApi } from "./api-harness.ts";
import { scratchDatabase } from "./db-helpers.ts";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let api: Awaited<ReturnType<typeof startTestApi>>;
let pool: pg.Pool;
let owner: Client;
let viewer: Client;
let stranger: Client;
let boardId: string;

const START = `mutation($b: ID!, $p: String!, $n: Int!, $params: GenerationParamsInput) {
  startPromptMatrix(boardId: $b, cardId: "matrix-card", prompt: $p, n: $n, params: $params) {
    id template rows cols rowLabels colLabels createdBy { displayName }
    cells { row col prompt generation { id seed n prompt matrixCell } } } }`;
type Matrix = {
  id: string;
  template: string;
  rows: number;
  cols: number;
  rowLabels: string[];
  colLabels: string[];
  createdBy: { displayName: string };
  cells: {
    row: number;
    col: number;
    prompt: string;
    generation: { id: string; seed: number; n: number; prompt: string };
  }[];
};
const counts = async () => {
  const r = await pool.query(
    `SELECT (SELECT count(*) FROM "PromptMatrix")::int AS m, (SELECT count(*) FROM "Generation")::int AS g`,
  );
  return r.rows[0] as { m: number; g: number };
};

beforeAll(async () => {
  db = await scratchDatabase("tessera_matrix");
  pool = new pg.Pool({ connectionString: db.url });
  api = await startTestApi({ databaseUrl: db.url });
  [owner, viewer, stranger] = [0, 1, 2].map(() => new Client(api.url)) as [Client, Client, Client];
  await owner.ok(`mutation { setDisplayName(name: "Olive") { id } }`);
  await stranger.ok(`mutation { setDisplayName(name: "Mallory") { id } }`);
  boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "m") { id } }`)).createBoard
    .id;
  await joinBoard(owner, viewer, boardId, "VIEWER", "Vic");
}, 120_000);
afterAll(async () => {
  await api?.close();
  await pool?.end();
  await db?.drop();
});

describe("prompt matrix", () => {
  it("a 2×2 matrix makes 4 labelled generations, one seed, started together as one job", async () => {
    const m = (
      await owner.ok<{ startPromptMatrix: Matrix }>(START, { b: boardId, p: "a {red|blue} {apple|banana}", n: 1 })
    ).startPromptMatrix;
    expect([m.rows, m.cols, m.rowLabels, m.colLabels]).toEqual([2, 2, ["red", "blue"], ["apple", "banana"]]);
    expect(m.createdBy.displayName).toBe("Olive");
    expect(m.cells.map((c) => [c.row, c.col, c.prompt])).toEqual([
      [0, 0, "a red apple"],
      [0, 1, "a red banana"],
      [1, 0, "a blue apple"],
      [1, 1, "a blue banana"],
    ]);
    expect(new Set(m.cells.map((c) => c.generation.seed)).size).toBe(1);

    // Every cell streams and finishes like any generation.
    await Promise.all(
      m.cells.map((c) =>
        owner.collect(`subscription($id: ID!) { generationEvents(generationId: $id) { kind } }`, {
          id: c.generation.id,
        }),
      ),
    );
    const rows = await pool.query<{ status: string; startedAt: Date; finishedAt: Date; n: number }>(
      `SELECT status, "startedAt", "finishedAt", (SELECT count(*) FROM "Candidate" c WHERE c."generationId" = g.id)::int AS n
       FROM "Generation" g WHERE "matrixId" = $1`,
      [m.id],
    );
    expect(rows.rows.map((r) => [r.status, r.n])).toEqual(Array(4).fill(["FINISHED", 1]));
    // One job: all four were on the model before any of them finished.
    const lastStart = Math.max(...rows.rows.map((r) => r.startedAt.getTime()));
    const firstEnd = Math.min(...rows.rows.map((r) => r.finishedAt.getTime()));
    expect(lastStart).toBeLessThan(firstEnd);

    // The card's history counts the matrix once; the generation knows its matrix.
    const history = await owner.ok<{ generations: { id: string; matrix: { id: string } | null }[] }>(
      `query($b: ID!) { generations(boardId: $b, cardId: "matrix-card") { id matrix { id } } }`,
      { b: boardId },
    );
    expect(history.generations).toEqual([{ id: m.cells[0]!.generation.id, matrix: { id: m.id } }]);
    // Members read it; strangers don't.
    expect((await viewer.ok(`query($id: ID!) { promptMatrix(id: $id) { id } }`, { id: m.id })).promptMatrix).toEqual({
      id: m.id,
    });
    expect(
      (await stranger.ok(`query($id: ID!) { promptMatrix(id: $id) { id } }`, { id: m.id })).promptMatrix,
    ).toBeNull();
  }, 180_000);

  it("refuses bad matrices with their reason, storing nothing", async () => {
    const before = await counts();
    const refused = async (p: string, n: number, message: RegExp, c: Client = owner, code = "BAD_USER_INPUT") => {
      const r = await c.gql(START, { b: boardId, p, n });
      expect(c.code(r)).toBe(code);
      expect(r.errors?.[0]?.message).toMatch(message);
    };
    await refused("{a|b|c|d|e} {f|g|h|i}", 1, /20 combinations \(5 × 4\); a matrix has at most 16/);
    await refused("a {red|blue} {apple|banana}", 9, /4 cells × 9 images is more than 32/);
    await refused("a red apple", 1, /needs alternatives in braces/);
    await refused("a {red|{blue|green}} cat", 1, /one level deep/);
    // One cell too long for a prompt: no cell is stored.
    await refused(`a {red|${"x".repeat(LIMITS.promptMaxChars)}} cat`, 1, /Prompts are limited to 300 characters/);
    await refused("a {red|blue} cat", 1, /permission/, viewer, "FORBIDDEN");
    const r = await stranger.gql(START, { b: boardId, p: "a {red|blue} cat", n: 1 });
    expect(stranger.code(r)).toBe("NOT_FOUND");
    expect(await counts()).toEqual(before);
  });
});
