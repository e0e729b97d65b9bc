/**
 * Issue 17 item 3 against the real server and runner: a picture uploaded to a card is decoded (sharp), VQ-encoded
 * by the real model and stored as a finished one-candidate generation that round-trips (PSNR bound) and is
 * searchable (its CLIP embedding and tags); it can be
 * completed from its top rows with the card's prompt; bad files get their reason and store nothing; only
 * Tessera's own pages, and only editors, may upload.
 */

import pg from "pg";
import { PNG } from "pngjs";
import sharp from "sharp";
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

async function upload(
  c: Client | null,
  body: Uint8Array,
  opts: { origin?: string | null; header?: boolean; card?: string; prompt?: string } = {},
) {
  const origin = opts.origin === undefined ? api.url : opts.origin;
  const q = new URLSearchParams({
    board: boardId,
    card: opts.card ?? "pic-card",
    ...(opts.prompt ? { prompt: opts.prompt } : {}),
  });
  const res = await fetch(`${api.url}/uploads?${q}`, {
    method: "POST",
    headers: {
      "content-type": "application/octet-stream",
      ...(origin ? { origin } : {}),
      ...(opts.header === false ? {} : { "x-tessera-upload": "1" }),
      ...(c?.cookie ? { cookie: c.cookie } : {}),
    },
    body: Buffer.from(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: tests index into the answer's JSON
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const rgbOf = (png: Buffer) => {
  const img = PNG.sync.read(png);
  const out = new Uint8Array(img.width * img.height * 3);
  for (let p = 0; p < img.width * img.height; p++) out.set(img.data.subarray(p * 4, p * 4 + 3), p * 3);
  return out;
};
const psnr = (a: Uint8Array, b: Uint8Array) => {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
  return 10 * Math.log10((255 * 255) / (se / a.length));
};
const generations = async () => (await pool.query(`SELECT count(*)::int AS n FROM "Generation"`)).rows[0].n as number;

beforeAll(async () => {
  db = await scratchDatabase("tessera_uploads");
  pool = new pg.Pool({ connectionString: db.url });
  api = await startTestApi({ databaseUrl: db.url });
  [owner, viewer, stranger] = [0, 1, 2].map(() => new Client(api.url)) as [Client, Client, Client];
  await owner.ok(`mutation { setDisplayName(name: "Olive") { id } }`);
  await stranger.ok(`mutation { setDisplayName(name: "Mallory") { id } }`);
  boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "u") { id } }`)).createBoard
    .id;
  await joinBoard(owner, viewer, boardId, "VIEWER", "Vic");
}, 120_000);
afterAll(async () => {
  await api?.close();
  await pool?.end();
  await db?.drop();
});

describe("uploads", () => {
  it("stores a PNG as its image codes (round trip within a PSNR bound) and completes it from its top rows", async () => {
    // A picture of the model's own world: one it drew, saved as a 512 px PNG (what a person would upload).
    const g = await owner.ok<{ startGeneration: { id: string } }>(
      `mutation($b: ID!) { startGeneration(boardId: $b, cardId: "src", prompt: "a red apple", n: 1, params: { seed: 5 }) { id } }`,
      { b: boardId },
    );
    await owner.collect(`subscription($id: ID!) { generationEvents(generationId: $id) { seq } }`, {
      id: g.startGeneration.id,
    });
    const src = await pool.query(`SELECT id, png FROM "Candidate" WHERE "generationId" = $1`, [g.startGeneration.id]);
    const original = src.rows[0].png as Buffer;
    const big = await sharp(original).resize(512, 512, { kernel: "nearest" }).png().toBuffer();

    const before = await generations();
    const r = await upload(owner, big, { prompt: "a red apple" });
    expect(r.status).toBe(201);
    expect(r.body.tokens).toHaveLength(256);
    expect(await generations()).toBe(before + 1);
    const stored = await owner.ok(
      `query($id: ID!) { generation(id: $id) { status prompt uploadFormat n candidates { id imageUrl } } }`,
      { id: r.body.generationId },
    );
    expect(stored.generation).toMatchObject({ status: "FINISHED", prompt: "a red apple", uploadFormat: "png", n: 1 });
    const img = await fetch(`${api.url}${stored.generation.candidates[0].imageUrl}`, {
      headers: { cookie: owner.cookie! },
    });
    const back = rgbOf(Buffer.from(await img.arrayBuffer()));
    const quality = psnr(rgbOf(original), back);
    // Measured here: ~40 dB for a picture of the model's own world (its codes come back almost all equal).
    expect(quality).toBeGreaterThan(30);

    // Searchable like a generated candidate: stored with its CLIP embedding and tags, and the picture it was
    // made from is the most like it.
    const indexed = await pool.query(
      `SELECT array_length(e.embedding, 1) AS dim, e.tags, c.tags AS "candidateTags"
       FROM "CandidateEmbedding" e JOIN "Candidate" c ON c.id = e."candidateId" WHERE e."candidateId" = $1`,
      [r.body.candidateId],
    );
    expect(indexed.rows[0].dim).toBeGreaterThan(0);
    expect(indexed.rows[0].tags.length).toBeGreaterThan(0);
    expect(indexed.rows[0].candidateTags).toEqual(indexed.rows[0].tags);
    const similar = await owner.ok(
      `query($c: ID!) { similarCandidates(candidateId: $c, limit: 1) { candidate { id } score } }`,
      { c: r.body.candidateId },
    );
    expect(similar.similarCandidates[0].candidate.id).toBe(src.rows[0].id);
    expect(similar.similarCandidates[0].score).toBeGreaterThan(0.9);

    // Completion: the top 8 of 16 rows are the picture's, the rest the model's.
    const remix = await owner.ok<{ remixCandidate: { id: string; prompt: string } }>(
      `mutation($c: ID!) { remixCandidate(candidateId: $c, keepRows: 8, n: 2, prompt: "a blue apple") { id prompt } }`,
      { c: r.body.candidateId },
    );
    expect(remix.remixCandidate.prompt).toBe("a blue apple");
    await owner.collect(`subscription($id: ID!) { generationEvents(generationId: $id) { seq } }`, {
      id: remix.remixCandidate.id,
    });
    const done = await pool.query(`SELECT tokens FROM "Candidate" WHERE "generationId" = $1`, [
      remix.remixCandidate.id,
    ]);
    expect(done.rows).toHaveLength(2);
    for (const row of done.rows)
      expect((row.tokens as number[]).slice(0, 8 * 16)).toEqual(r.body.tokens.slice(0, 8 * 16));
  }, 180_000);

  it("refuses bad files with their reason and stores nothing", async () => {
    const before = await generations();
    const expectRefusal = async (body: Uint8Array, status: number, reason: string, message: RegExp) => {
      const r = await upload(owner, body);
      expect([r.status, r.body.error?.reason]).toEqual([status, reason]);
      expect(r.body.error.message).toMatch(message);
    };
    const solid = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: "#f00" } });
    await expectRefusal(new TextEncoder().encode("#!/bin/sh\necho hi"), 415, "NOT_AN_IMAGE", /PNG, JPEG or WebP/);
    await expectRefusal(await solid(8, 8).gif().toBuffer(), 415, "UNSUPPORTED_FORMAT", /GIF isn't supported/);
    const frames = await Promise.all(
      ["#f00", "#0f0"].map((c) =>
        sharp({ create: { width: 8, height: 8, channels: 3, background: c } })
          .png()
          .toBuffer(),
      ),
    );
    await expectRefusal(
      await sharp(frames, { join: { animated: true } })
        .webp({ loop: 0 })
        .toBuffer(),
      415,
      "ANIMATED",
      /Animated/,
    );
    await expectRefusal(await solid(8, 8).toColourspace("cmyk").jpeg().toBuffer(), 415, "CMYK", /CMYK/);
    await expectRefusal(
      await solid(6000, 6000).png({ compressionLevel: 9 }).toBuffer(),
      415,
      "TOO_MANY_PIXELS",
      /6000 × 6000/,
    );
    await expectRefusal(new Uint8Array(8 * 1024 * 1024 + 1), 413, "TOO_LARGE", /8 MB/);
    expect(await generations()).toBe(before);
  }, 60_000);

  it("only from Tessera's own pages, only for editors", async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#00f" } })
      .png()
      .toBuffer();
    const before = await generations();
    expect((await upload(owner, png, { origin: null })).status).toBe(403); // no Origin: not a page of ours
    expect((await upload(owner, png, { origin: "http://127.0.0.1:1" })).status).toBe(403); // another port: same site
    expect((await upload(owner, png, { header: false })).status).toBe(403); // a plain form post can't add the header
    expect((await upload(null, png)).status).toBe(401);
    expect((await upload(viewer, png)).body.error).toMatchObject({ code: "FORBIDDEN", message: /Viewers/ });
    expect((await upload(stranger, png)).status).toBe(404);
    expect((await upload(owner, png, { card: "../x" })).status).toBe(400);
    expect(await generations()).toBe(before);
  });
});
