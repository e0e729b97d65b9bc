/**
 * Issue 18 item 2 against the real server (PostgreSQL, graphql-ws, the real runner for a candidate): threads on
 * candidates, reactions beside votes, unread per person, who may write (editors; viewers where the owner
 * allows), who may delete (author or owner), bounds, and the live activity that refreshes open galleries.
 */
import { LIMITS } from "@tessera/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RateLimiter } from "../src/generation/rate-limit.ts";
import { Client, joinBoard, startTestApi } from "./api-harness.ts";
import { waitFor } from "./collab-harness.ts";
import { scratchDatabase } from "./db-helpers.ts";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
const COMMENTS_PER_HOUR = 30;
let api: Awaited<ReturnType<typeof startTestApi>>;
let owner: Client;
let editor: Client;
let viewer: Client;
let stranger: Client;
let boardId: string;
let candidateId: string;
let generationId: string;

const THREAD = `query($c: ID!) { candidateThread(candidateId: $c) {
  comments { id body author { displayName } } reactions { emoji count mine } unread canComment } }`;
type Thread = {
  candidateThread: {
    comments: { id: string; body: string; author: { displayName: string } }[];
    reactions: { emoji: string; count: number; mine: boolean }[];
    unread: number;
    canComment: boolean;
  };
};
const ADD = `mutation($c: ID!, $b: String!) { addComment(candidateId: $c, body: $b) { id body author { displayName } } }`;
const thread = async (c: Client) => (await c.ok<Thread>(THREAD, { c: candidateId })).candidateThread;

const join = (c: Client, role: "EDITOR" | "VIEWER", name: string) => joinBoard(owner, c, boardId, role, name);

beforeAll(async () => {
  db = await scratchDatabase("tessera_comments");
  // A person's comments an hour: 30 here (240 by default), so the limit is reached in a few seconds.
  api = await startTestApi(
    { databaseUrl: db.url },
    { writeLimits: { comments: new RateLimiter(COMMENTS_PER_HOUR, 3_600_000) } },
  );
  [owner, editor, viewer, stranger] = [0, 1, 2, 3].map(() => new Client(api.url)) as [Client, Client, Client, Client];
  await owner.ok(`mutation { setDisplayName(name: "Olive") { id } }`);
  await stranger.ok(`mutation { setDisplayName(name: "Mallory") { id } }`);
  boardId = (await owner.ok<{ createBoard: { id: string } }>(`mutation { createBoard(name: "c") { id } }`)).createBoard
    .id;
  await join(editor, "EDITOR", "Eve");
  await join(viewer, "VIEWER", "Vic");
  generationId = (
    await owner.ok<{ startGeneration: { id: string } }>(
      `mutation($b: ID!) { startGeneration(boardId: $b, cardId: "card", prompt: "a red apple", n: 1) { id } }`,
      { b: boardId },
    )
  ).startGeneration.id;
  await owner.collect(`subscription($id: ID!) { generationEvents(generationId: $id) { seq } }`, { id: generationId });
  candidateId = (
    await owner.ok<{ generation: { candidates: { id: string }[] } }>(
      `query($id: ID!) { generation(id: $id) { candidates { id } } }`,
      { id: generationId },
    )
  ).generation.candidates[0]!.id;
}, 120_000);
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

describe("comments and reactions", () => {
  it("a thread: live to the board, unread per person until read, counts per candidate", async () => {
    const seen: { kind: string; candidateId: string | null }[] = [];
    const ws = owner.ws();
    const stop = ws.subscribe<{ boardActivity: { kind: string; candidateId: string | null } }>(
      { query: `subscription($b: ID!) { boardActivity(boardId: $b) { kind candidateId } }`, variables: { b: boardId } },
      { next: (v) => v.data && seen.push(v.data.boardActivity), error: () => {}, complete: () => {} },
    );
    await new Promise((r) => setTimeout(r, 300));
    const mine = await editor.ok<{ addComment: { body: string; author: { displayName: string } } }>(ADD, {
      c: candidateId,
      b: "  I like the red one  ",
    });
    expect(mine.addComment).toEqual({
      id: expect.any(String),
      body: "I like the red one",
      author: { displayName: "Eve" },
    });
    await waitFor(
      () => seen.some((e) => e.kind === "COMMENTS_CHANGED" && e.candidateId === candidateId),
      10_000,
      "live",
    );
    expect((await thread(owner)).unread).toBe(1); // Eve's
    // Replying is reading: Olive's thread is read up to her reply; her own comment never counts as unread.
    await owner.ok(ADD, { c: candidateId, b: "Agreed" });
    expect(await thread(owner)).toMatchObject({
      comments: [{ body: "I like the red one" }, { body: "Agreed" }],
      unread: 0,
      canComment: true,
    });
    expect((await thread(editor)).unread).toBe(1); // Olive's reply
    const counts = await editor.ok<{ commentCounts: { candidateId: string; comments: number; unread: number }[] }>(
      `query($g: ID!) { commentCounts(generationId: $g) { candidateId comments unread } }`,
      { g: generationId },
    );
    expect(counts.commentCounts).toEqual([{ candidateId, comments: 2, unread: 1 }]);
    await editor.ok(`mutation($c: ID!) { markCommentsRead(candidateId: $c) }`, { c: candidateId });
    expect((await thread(editor)).unread).toBe(0);
    stop();
    await ws.dispose();
  });

  it("viewers read; they write only where the owner allows it; only the owner decides", async () => {
    expect((await thread(viewer)).canComment).toBe(false);
    const refused = await viewer.gql(ADD, { c: candidateId, b: "me too" });
    expect(viewer.code(refused)).toBe("FORBIDDEN");
    const notOwner = await editor.gql(`mutation($b: ID!) { setViewersMayComment(boardId: $b, allowed: true) { id } }`, {
      b: boardId,
    });
    expect(editor.code(notOwner)).toBe("FORBIDDEN");
    await owner.ok(`mutation($b: ID!) { setViewersMayComment(boardId: $b, allowed: true) { viewersMayComment } }`, {
      b: boardId,
    });
    expect((await thread(viewer)).canComment).toBe(true);
    await viewer.ok(ADD, { c: candidateId, b: "me too" });
    expect(stranger.code(await stranger.gql(THREAD, { c: candidateId }))).toBe("NOT_FOUND");
    expect(stranger.code(await stranger.gql(ADD, { c: candidateId, b: "hi" }))).toBe("NOT_FOUND");
  });

  it("bounds and readable refusals; deletes by the author or the owner only", async () => {
    for (const [body, message] of [
      ["   ", "Write something first: the comment is empty."],
      ["x".repeat(1001), "Comments are limited to 1000 characters."],
      ["broken \ud800 text", "The text holds a broken character"],
    ] as const) {
      const r = await editor.gql(ADD, { c: candidateId, b: body });
      expect(editor.code(r), body.slice(0, 10)).toBe("BAD_USER_INPUT");
      expect(r.errors?.[0]?.message).toContain(message);
    }
    const olives = (await thread(owner)).comments.find((c) => c.author.displayName === "Olive")!;
    expect(editor.code(await editor.gql(`mutation($id: ID!) { deleteComment(id: $id) }`, { id: olives.id }))).toBe(
      "FORBIDDEN",
    );
    const vics = (await thread(owner)).comments.find((c) => c.author.displayName === "Vic")!;
    await owner.ok(`mutation($id: ID!) { deleteComment(id: $id) }`, { id: vics.id });
    expect((await thread(owner)).comments.map((c) => c.body)).toEqual(["I like the red one", "Agreed"]);
  });

  it("reactions toggle per person, from a fixed set", async () => {
    const toggle = (c: Client, emoji: string) =>
      c.gql<{ toggleReaction: { emoji: string; count: number; mine: boolean }[] }>(
        `mutation($c: ID!, $e: String!) { toggleReaction(candidateId: $c, emoji: $e) { emoji count mine } }`,
        { c: candidateId, e: emoji },
      );
    expect((await toggle(editor, "🔥")).data?.toggleReaction).toEqual([{ emoji: "🔥", count: 1, mine: true }]);
    expect((await toggle(owner, "🔥")).data?.toggleReaction).toEqual([{ emoji: "🔥", count: 2, mine: true }]);
    expect((await toggle(editor, "🔥")).data?.toggleReaction).toEqual([{ emoji: "🔥", count: 1, mine: false }]);
    expect((await thread(owner)).reactions).toEqual([{ emoji: "🔥", count: 1, mine: true }]);
    const bad = await editor.gql(`mutation($c: ID!) { toggleReaction(candidateId: $c, emoji: "<b>") { count } }`, {
      c: candidateId,
    });
    expect(editor.code(bad)).toBe("BAD_USER_INPUT");
  });

  it("cards have threads too: live, unread per person, the same rights", async () => {
    const CARD_THREAD = `query($b: ID!, $k: ID!) { cardThread(boardId: $b, cardId: $k) {
      candidateId cardId comments { body author { displayName } } unread canComment } }`;
    const seen: { kind: string; cardId: string; candidateId: string | null }[] = [];
    const ws = owner.ws();
    const stop = ws.subscribe<{ boardActivity: { kind: string; cardId: string; candidateId: string | null } }>(
      {
        query: `subscription($b: ID!) { boardActivity(boardId: $b) { kind cardId candidateId } }`,
        variables: { b: boardId },
      },
      { next: (v) => v.data && seen.push(v.data.boardActivity), error: () => {}, complete: () => {} },
    );
    await new Promise((r) => setTimeout(r, 300));
    await editor.ok(
      `mutation($b: ID!) { addComment(boardId: $b, cardId: "card-note", body: "shall we try blue?") { id } }`,
      {
        b: boardId,
      },
    );
    await waitFor(
      () => seen.some((e) => e.kind === "COMMENTS_CHANGED" && e.cardId === "card-note" && e.candidateId === null),
      10_000,
      "card thread activity",
    );
    const read = async (c: Client) =>
      (
        await c.ok<{ cardThread: { candidateId: string | null; comments: { body: string }[]; unread: number } }>(
          CARD_THREAD,
          { b: boardId, k: "card-note" },
        )
      ).cardThread;
    expect(await read(owner)).toMatchObject({
      candidateId: null,
      comments: [{ body: "shall we try blue?" }],
      unread: 1,
    });
    expect((await read(editor)).unread).toBe(0);
    await owner.ok(`mutation($b: ID!) { markCommentsRead(boardId: $b, cardId: "card-note") }`, { b: boardId });
    expect((await read(owner)).unread).toBe(0);
    // A card's thread is its own: the candidate's thread did not change.
    expect((await thread(owner)).comments.map((c) => c.body)).toEqual(["I like the red one", "Agreed"]);
    expect(stranger.code(await stranger.gql(CARD_THREAD, { b: boardId, k: "card-note" }))).toBe("NOT_FOUND");
    const noThread = await editor.gql(`mutation { addComment(body: "where?") { id } }`);
    expect(editor.code(noThread)).toBe("BAD_USER_INPUT");
    stop();
    await ws.dispose();
  });

  it("a malicious member can't grow the database without end: comments an hour per person, no markers for empty threads", async () => {
    const spammer = new Client(api.url);
    await join(spammer, "EDITOR", "Spam");
    // A fresh made-up card id each time (a thread bound alone would not stop this).
    const post = (n: number) =>
      spammer.gql(`mutation($b: ID!, $k: ID!) { addComment(boardId: $b, cardId: $k, body: "spam") { id } }`, {
        b: boardId,
        k: `made-up-${n}`,
      });
    for (let n = 0; n < COMMENTS_PER_HOUR; n++) expect((await post(n)).errors).toBeUndefined();
    const refused = await post(COMMENTS_PER_HOUR);
    expect(spammer.code(refused)).toBe("RATE_LIMITED");
    expect(refused.errors?.[0]?.message).toBe(
      `You can post ${LIMITS.commentsPerUserPerHour} comments an hour. Try again in a while.`,
    );
    // The others still comment.
    expect((await editor.gql(ADD, { c: candidateId, b: "still here" })).errors).toBeUndefined();

    const markers = () => api.services.prisma.commentRead.count();
    const before = await markers();
    for (let n = 0; n < 20; n++) {
      await spammer.ok(`mutation($b: ID!, $k: ID!) { markCommentsRead(boardId: $b, cardId: $k) }`, {
        b: boardId,
        k: `empty-${n}`,
      });
    }
    expect(await markers()).toBe(before);
  }, 60_000);
});
