/**
 * Export (issue 18, item 5): a board's or a card's finished work as a ZIP — the PNGs at the model's size and ×4,
 * a JSON of prompts, seeds, settings, CLIP scores, ranks, votes, comments and reactions, and a contact sheet. Real server, real
 * PostgreSQL, real generations on the committed model; the ZIP is unpacked and its pictures decoded.
 */
import { unzipSync } from "fflate";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, startTestApi } from "./api-harness.ts";
import { scratchDatabase } from "./db-helpers.ts";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let api: Awaited<ReturnType<typeof startTestApi>>;
let owner: Client;
let boardId: string;

async function generate(cardId: string, prompt: string, n: number): Promise<string> {
  const g = await owner.ok<{ startGeneration: { id: string } }>(
    `mutation($b: ID!, $c: ID!, $p: String!, $n: Int!) { startGeneration(boardId: $b, cardId: $c, prompt: $p, n: $n, params: { seed: 11 }) { id } }`,
    { b: boardId, c: cardId, p: prompt, n },
  );
  await owner.collect(`subscription($id: ID!) { generationEvents(generationId: $id) { seq } }`, {
    id: g.startGeneration.id,
  });
  return g.startGeneration.id;
}

async function download(client: Client | null, path: string) {
  const r = await fetch(`${api.url}${path}`, { headers: client?.cookie ? { cookie: client.cookie } : {} });
  return { status: r.status, headers: r.headers, body: new Uint8Array(await r.arrayBuffer()) };
}

beforeAll(async () => {
  db = await scratchDatabase();
  api = await startTestApi({ databaseUrl: db.url });
  owner = new Client(api.url);
  boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "Export me!") { id } }`))
    .createBoard.id;
  await generate("card-a", "a red apple", 2);
  await generate("card-b", "two strawberries", 3);
}, 120_000);
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

describe("board export", () => {
  it("a board: every image at 128 px and ×4, the JSON with ranks, scores and votes, and a contact sheet", async () => {
    const history = await owner.ok<{ generations: { candidates: { id: string; rank: number }[] }[] }>(
      `query($b: ID!) { generations(boardId: $b, cardId: "card-a", limit: 5) { candidates { id rank } } }`,
      { b: boardId },
    );
    const voted = history.generations[0]!.candidates.find((c) => c.rank === 2)!;
    await owner.ok(`mutation($c: ID!) { castVote(candidateId: $c) { id } }`, { c: voted.id });
    await owner.ok(`mutation($c: ID!) { addComment(candidateId: $c, body: "the best one") { id } }`, { c: voted.id });
    await owner.ok(`mutation($c: ID!) { toggleReaction(candidateId: $c, emoji: "🔥") { count } }`, { c: voted.id });
    await owner.ok(`mutation($b: ID!) { addComment(boardId: $b, cardId: "card-a", body: "more apples") { id } }`, {
      b: boardId,
    });

    const r = await download(owner, `/export/${boardId}.zip`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/zip");
    expect(r.headers.get("content-disposition")).toContain('filename="tessera-Export-me.zip"');
    const files = unzipSync(r.body);
    const names = Object.keys(files).sort();
    const pngs = names.filter((n) => /rank-\d\.png$/.test(n));
    const big = names.filter((n) => /rank-\d-x4\.png$/.test(n));
    expect(pngs).toHaveLength(5);
    expect(big).toHaveLength(5);
    for (const n of pngs) expect(PNG.sync.read(Buffer.from(files[n]!)).width).toBe(128);
    for (const n of big) expect(PNG.sync.read(Buffer.from(files[n]!)).width).toBe(512);
    // ×4 is nearest neighbour: pixel (x, y) of the model's image is the 4×4 square at (4x, 4y).
    const small = PNG.sync.read(Buffer.from(files[pngs[0]!]!));
    const large = PNG.sync.read(Buffer.from(files[pngs[0]!.replace(".png", "-x4.png")]!));
    for (const [x, y] of [
      [0, 0],
      [77, 31],
      [127, 127],
    ] as const)
      for (const [dx, dy] of [
        [0, 0],
        [3, 3],
      ] as const)
        expect(
          large.data.subarray(((4 * y + dy) * 512 + 4 * x + dx) * 4, ((4 * y + dy) * 512 + 4 * x + dx) * 4 + 4),
        ).toEqual(small.data.subarray((y * 128 + x) * 4, (y * 128 + x) * 4 + 4));
    // One CLIP #1 per generation on the contact sheet: 2 of 128 px with 4 px gaps → 268 wide.
    expect(PNG.sync.read(Buffer.from(files["contact-sheet.png"]!)).width).toBe(2 * 128 + 3 * 4);

    const doc = JSON.parse(new TextDecoder().decode(files["tessera.json"]));
    expect(doc.board.name).toBe("Export me!");
    expect(doc.generations.map((g: { prompt: string }) => g.prompt).sort()).toEqual([
      "a red apple",
      "two strawberries",
    ]);
    const apple = doc.generations.find((g: { prompt: string }) => g.prompt === "a red apple");
    expect(apple.seed).toBe(11);
    expect(apple.candidates.map((c: { rank: number }) => c.rank).sort()).toEqual([1, 2]);
    for (const c of apple.candidates) {
      expect(c.clipScore).toEqual(expect.any(Number));
      // CLIP's zero-shot tags come along (issue 17 item 5).
      expect(c.tags.length).toBeGreaterThan(0);
      expect(c.files.every((f: string) => f in files)).toBe(true);
    }
    const exported = apple.candidates.find((c: { id: string }) => c.id === voted.id);
    expect(exported.votes).toBe(1);
    expect(exported.comments).toEqual([{ by: expect.any(String), at: expect.any(String), text: "the best one" }]);
    expect(exported.reactions).toEqual({ "🔥": 1 });
    expect(doc.cardComments).toEqual([
      { cardId: "card-a", by: expect.any(String), at: expect.any(String), text: "more apples" },
    ]);
  }, 60_000);

  it("one card: only its generations", async () => {
    const r = await download(owner, `/export/${boardId}.zip?card=card-b`);
    expect(r.status).toBe(200);
    const doc = JSON.parse(new TextDecoder().decode(unzipSync(r.body)["tessera.json"]));
    expect(doc.generations).toHaveLength(1);
    expect(doc.generations[0].candidates).toHaveLength(3);
  });

  it("refuses without a session (401), to non-members and unknown boards alike (404), and bad card ids (400)", async () => {
    expect((await download(null, `/export/${boardId}.zip`)).status).toBe(401);
    const stranger = new Client(api.url);
    await stranger.ok(`mutation { setDisplayName(name: "Eve") { id } }`);
    expect((await download(stranger, `/export/${boardId}.zip`)).status).toBe(404);
    expect((await download(stranger, "/export/no-such-board.zip")).status).toBe(404);
    expect((await download(owner, `/export/${boardId}.zip?card=${encodeURIComponent("../x")}`)).status).toBe(400);
  });
});
