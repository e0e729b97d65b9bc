/**
 * Issue 18 item 1 on the real stack (real runner on the committed model, PostgreSQL, graphql-ws): one board
 * floods the model, another board's generation waits behind at most one of the flood's; a board sees its
 * waiting generations' positions and estimates live; only who started a generation (or the owner) cancels it.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, startTestApi } from "./api-harness.ts";
import { waitFor } from "./collab-harness.ts";
import { scratchDatabase } from "./db-helpers.ts";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let api: Awaited<ReturnType<typeof startTestApi>>;
let owner: Client;
let editor: Client;
let other: Client;
let boardA: string;
let boardB: string;

interface Queue {
  entries: { generationId: string; position: number; etaMs: number | null; createdBy: string; prompt: string }[];
  waiting: number;
  running: number;
}
const QUEUE_FIELDS = "entries { generationId position etaMs createdBy prompt } waiting running";

async function start(c: Client, boardId: string, prompt: string, n = 16): Promise<string> {
  const r = await c.ok<{ startGeneration: { id: string } }>(
    `mutation($b: ID!, $p: String!, $n: Int!) { startGeneration(boardId: $b, cardId: "card-1", prompt: $p, n: $n) { id } }`,
    { b: boardId, p: prompt, n },
  );
  return r.startGeneration.id;
}

const status = async (c: Client, id: string) =>
  (
    await c.ok<{ generation: { status: string } }>(`query($id: ID!) { generation(id: $id) { status } }`, {
      id,
    })
  ).generation.status;

beforeAll(async () => {
  db = await scratchDatabase("tessera_fairq");
  api = await startTestApi({ databaseUrl: db.url });
  owner = new Client(api.url);
  editor = new Client(api.url);
  other = new Client(api.url);
  await Promise.all([owner, editor, other].map((c) => c.ok(`mutation { setDisplayName(name: "P") { id } }`)));
  await owner.ok(`mutation { setDisplayName(name: "Olive") { id } }`);
  await editor.ok(`mutation { setDisplayName(name: "Eve") { id } }`);
  boardA = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "A") { id } }`)).createBoard
    .id;
  boardB = (await other.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "B") { id } }`)).createBoard
    .id;
  const link = await owner.ok<{ createShareLink: { token: string } }>(
    `mutation($b: ID!) { createShareLink(boardId: $b, role: EDITOR) { token } }`,
    { b: boardA },
  );
  await editor.ok(`mutation($t: String!) { joinBoard(token: $t) { role } }`, { t: link.createShareLink.token });
}, 120_000);
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

describe("the generation queue", () => {
  it("is fair across boards and people, visible live with estimates, and cancellable by its owner only", async () => {
    // Board A's live view of the queue.
    const seen: Queue[] = [];
    const ws = owner.ws();
    const stop = ws.subscribe<{ boardQueue: Queue }>(
      { query: `subscription($b: ID!) { boardQueue(boardId: $b) { ${QUEUE_FIELDS} } }`, variables: { b: boardA } },
      { next: (v) => v.data && seen.push(v.data.boardQueue), error: () => {}, complete: () => {} },
    );
    await waitFor(() => seen.length > 0, 10_000, "first queue snapshot");
    expect(seen[0]).toEqual({ entries: [], waiting: 0, running: 0 });

    // Olive floods board A with 5 generations of 16 (32 batch rows each with guidance: 2 fit the model at once).
    const flood: string[] = [];
    for (let i = 0; i < 5; i++) flood.push(await start(owner, boardA, `flood ${i}`));
    const fromB = await start(other, boardB, "a green tree");
    const fromEve = await start(editor, boardA, "a yellow star");

    const queueOf = async (c: Client, b: string) =>
      (await c.ok<{ boardQueue: Queue }>(`query($b: ID!) { boardQueue(boardId: $b) { ${QUEUE_FIELDS} } }`, { b }))
        .boardQueue;
    const [qB, qA] = await Promise.all([queueOf(other, boardB), queueOf(owner, boardA)]);
    // How many of Olive's runs have already started depends on the machine; the order of the rest does not.
    // FIFO would put board B's one run behind every one of hers still waiting; round-robin, behind one at most.
    expect(qB.entries.map((e) => e.generationId)).toEqual([fromB]);
    const bPos = qB.entries[0]!.position;
    const olive = qA.entries.filter((e) => e.generationId !== fromEve);
    expect(olive.length).toBeGreaterThanOrEqual(2);
    expect(olive.filter((e) => e.position < bPos).length).toBeLessThanOrEqual(1);
    expect(qB.waiting).toBe(qA.entries.length + 1);
    expect(qB.entries[0]).toMatchObject({ createdBy: "P", prompt: "a green tree" });
    // On board A, Eve's one run goes right after Olive's next one, before the rest of hers.
    expect(qA.entries.map((e) => e.generationId).indexOf(fromEve)).toBe(1);
    expect(qA.entries.map((e) => e.position)).toEqual([...qA.entries.map((e) => e.position)].sort((a, b) => a - b));
    // B's user sees no prompts of board A.
    expect(JSON.stringify(qB)).not.toContain("flood");

    // Eve can't cancel Olive's; Olive (the owner) can cancel Eve's, which never starts.
    const denied = await editor.gql(`mutation($id: ID!) { cancelGeneration(id: $id) { id } }`, { id: flood[4] });
    expect(editor.code(denied)).toBe("FORBIDDEN");
    await owner.ok(`mutation($id: ID!) { cancelGeneration(id: $id) { id } }`, { id: fromEve });
    await waitFor(async () => (await status(owner, fromEve)) === "CANCELLED", 10_000, "Eve's run cancelled");

    // Everything else finishes; B's run started before Olive's fourth.
    for (const g of [...flood, fromB]) {
      await waitFor(async () => (await status(owner, g).catch(() => status(other, g))) === "FINISHED", 120_000, g);
    }
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    const startedAt = async (g: string) =>
      (await pool.query(`SELECT "startedAt" FROM "Generation" WHERE id = $1`, [g])).rows[0].startedAt as Date;
    expect((await startedAt(fromB)).getTime()).toBeLessThan((await startedAt(flood[3]!)).getTime());
    await pool.end();

    // The live view moved: the last one's place counted down to next, estimates appeared once the model's speed was measured,
    // and it ended empty.
    await waitFor(() => seen.at(-1)?.entries.length === 0, 10_000, "empty queue at the end");
    const positionsOfLast = seen
      .map((q) => q.entries.find((e) => e.generationId === flood[4])?.position)
      .filter(Boolean);
    // (It can also move back: board B's run arrived after it and took the turn before it.)
    expect(Math.max(...(positionsOfLast as number[]))).toBeGreaterThanOrEqual(3);
    expect(positionsOfLast.at(-1)).toBe(1);
    expect(seen.some((q) => q.entries.some((e) => e.etaMs !== null && e.etaMs > 0))).toBe(true);
    stop();
    await ws.dispose();
  }, 180_000);
});
