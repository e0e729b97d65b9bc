/**
 * How many SQL statements a request costs, counted at node-postgres (the Prisma adapter's driver) while the
 * server runs in this process: a list must not cost a query per item per field (N+1), and a vote must not
 * cost more round trips than it needs. Real server, real PostgreSQL, real generations.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, startTestApi } from "./api-harness.ts";
import { scratchDatabase } from "./db-helpers.ts";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let api: Awaited<ReturnType<typeof startTestApi>>;
let owner: Client;
let boardId: string;

const HISTORY = `query($b: ID!) { generations(boardId: $b, cardId: "card", limit: 20) {
  id candidates { id index imageUrl clipScore rank votes votedByMe } } }`;

/** The SQL statements node-postgres sent while `fn` ran. */
async function statementsDuring(fn: () => Promise<unknown>): Promise<string[]> {
  const sent: string[] = [];
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const q = args[0] as string | { text?: string };
    sent.push(typeof q === "string" ? q : (q?.text ?? ""));
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    await fn();
  } finally {
    pg.Client.prototype.query = query;
  }
  return sent;
}

async function generate(n: number): Promise<string> {
  const g = await owner.ok<{ startGeneration: { id: string } }>(
    `mutation($b: ID!, $n: Int!) { startGeneration(boardId: $b, cardId: "card", prompt: "a red circle", n: $n) { id } }`,
    { b: boardId, n },
  );
  await owner.collect(`subscription($id: ID!) { generationEvents(generationId: $id) { seq } }`, {
    id: g.startGeneration.id,
  });
  return g.startGeneration.id;
}

beforeAll(async () => {
  db = await scratchDatabase();
  api = await startTestApi({ databaseUrl: db.url });
  owner = new Client(api.url);
  boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "q") { id } }`)).createBoard
    .id;
}, 60_000);
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

describe("statements per request", () => {
  it("a card's history costs the same few statements for 1 generation of 2 candidates as for 3 of 4", async () => {
    await generate(2);
    const one = await statementsDuring(() => owner.ok(HISTORY, { b: boardId }));
    const first = (await owner.ok<{ generations: { candidates: { id: string }[] }[] }>(HISTORY, { b: boardId }))
      .generations[0]!.candidates[0]!.id;
    await owner.ok(`mutation($c: ID!) { castVote(candidateId: $c) { id } }`, { c: first });
    await generate(4);
    await generate(4);
    let history: { generations: { candidates: { id: string; votes: number; votedByMe: boolean }[] }[] } | null = null;
    const three = await statementsDuring(async () => {
      history = await owner.ok(HISTORY, { b: boardId });
    });
    const gens = history!.generations;
    expect(gens.map((g) => g.candidates.length)).toEqual([4, 4, 2]);
    // The answers are right, not just cheap: the one vote is counted on its candidate only.
    const all = gens.flatMap((g) => g.candidates);
    expect(all.filter((c) => c.votes > 0).map((c) => [c.id, c.votes, c.votedByMe])).toEqual([[first, 1, true]]);
    expect(all.filter((c) => c.votedByMe)).toHaveLength(1);
    expect(three.length).toBe(one.length);
    expect(three.length).toBeLessThanOrEqual(6);
  }, 60_000);

  it("castVote and clearVote take at most four statements, and answer with the new count", async () => {
    const g = await owner.ok<{ generation: { candidates: { id: string }[] } }>(
      `query($id: ID!) { generation(id: $id) { candidates { id } } }`,
      { id: await generate(1) },
    );
    const c = g.generation.candidates[0]!.id;
    let cast: { castVote: { votes: number; votedByMe: boolean } } | null = null;
    const castSql = await statementsDuring(async () => {
      cast = await owner.ok(`mutation($c: ID!) { castVote(candidateId: $c) { votes votedByMe } }`, { c });
    });
    expect(cast!.castVote).toEqual({ votes: 1, votedByMe: true });
    let cleared: { clearVote: { votes: number; votedByMe: boolean } } | null = null;
    const clearSql = await statementsDuring(async () => {
      cleared = await owner.ok(`mutation($c: ID!) { clearVote(candidateId: $c) { votes votedByMe } }`, { c });
    });
    expect(cleared!.clearVote).toEqual({ votes: 0, votedByMe: false });
    expect(castSql.length).toBeLessThanOrEqual(4);
    expect(clearSql.length).toBeLessThanOrEqual(4);
  }, 60_000);

  it("a request refused by parsing or validation costs no statement, not even the session lookup", async () => {
    const refused = [
      `{ __type(name: "Query") { ${"ofType { ".repeat(49)}name${" }".repeat(49)} } }`,
      `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: __typename`).join(" ")} }`,
      `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: me { id }`).join(" ")} }`,
      "{ me { id }",
      "{ noSuchField }",
    ];
    const codes: (string | undefined)[] = [];
    const sql = await statementsDuring(async () => {
      for (const q of refused) codes.push(owner.code(await owner.gql(q)));
    });
    expect(codes).toEqual(refused.map(() => "BAD_USER_INPUT"));
    expect(sql).toEqual([]);
    // The same client's valid request still resolves its session (one statement) and answers.
    const me = await statementsDuring(() => owner.ok("{ me { id } }"));
    expect(me).toHaveLength(1);
  });
});
