/**
 * The shared pieces of the scaled-out mode against the real Redis and PostgreSQL: the rate limit holds
 * across nodes, a generation stream has one writer and is read back in order, and multi-node compaction
 * of a board loses nothing another node logged.
 */
import { randomBytes } from "node:crypto";
import { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { type Database, openDatabase } from "../src/db/index.ts";
import { BoardActivityBus } from "../src/generation/board-activity.ts";
import type { GenerationEngine } from "../src/generation/engine.ts";
import type { GqlGenerationEvent } from "../src/generation/to-gql-event.ts";
import { advanceFairClock } from "../src/scale/fair-priority.ts";
import { GenerationStreamWriter, NotOwnerError, tailStream } from "../src/scale/generation-stream.ts";
import { mergingBoardStore } from "../src/scale/merging-board-store.ts";
import { GENERATION_QUEUE, type GenerationJobData } from "../src/scale/queue.ts";
import { RedisRateLimiter } from "../src/scale/rate-limit.ts";
import { connectRedis, deletePrefix, redisKeys } from "../src/scale/redis.ts";
import { ScaledGenerationService } from "../src/scale/scaled-generation-service.ts";
import { scratchDatabase } from "./db-helpers.ts";
import { REDIS_URL } from "./scale-harness.ts";

const prefix = `tessera-test-${randomBytes(4).toString("hex")}`;
const keys = redisKeys(prefix);
let nodeA: Redis;
let nodeB: Redis;

beforeAll(() => {
  nodeA = connectRedis(REDIS_URL, { mode: "fail-fast" });
  nodeB = connectRedis(REDIS_URL, { mode: "fail-fast" });
});
afterAll(async () => {
  await deletePrefix(nodeA, prefix);
  nodeA.disconnect();
  nodeB.disconnect();
});

describe("Redis rate limit", () => {
  it("allows exactly `max` starts per window across two nodes hit concurrently", async () => {
    const a = new RedisRateLimiter(nodeA, keys.rate, 10, 60_000);
    const b = new RedisRateLimiter(nodeB, keys.rate, 10, 60_000);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).take("user-1")));
    expect(results.filter(Boolean).length).toBe(10);
    // Another user is not affected.
    expect(await a.take("user-2")).toBe(true);
  });

  it("frees a slot once the window has passed", async () => {
    const a = new RedisRateLimiter(nodeA, keys.rate, 2, 300);
    expect([await a.take("u"), await a.take("u"), await a.take("u")]).toEqual([true, true, false]);
    await new Promise((r) => setTimeout(r, 350));
    expect(await a.take("u")).toBe(true);
  });
});

describe("generation stream", () => {
  it("has one writer: an attempt that lost the claim gets NOT_OWNER; a reader sees every event in order", async () => {
    const id = "g1";
    const first = new GenerationStreamWriter(nodeA, keys, id, "runner-1:1");
    expect(await first.claim()).toEqual({ length: 0, last: null });
    await first.append({ kind: "STARTED", n: 1 });
    await first.append({ kind: "TOKENS", rows: [{ candidate: 0, start: 0, tokens: [1, 2] }] });
    // Runner 1 presumed dead: runner 2 takes the job over.
    const second = new GenerationStreamWriter(nodeB, keys, id, "runner-2:2");
    const before = await second.claim();
    expect(before.length).toBe(2);
    expect(before.last?.kind).toBe("TOKENS");
    await expect(
      first.append({ kind: "TOKENS", rows: [{ candidate: 0, start: 2, tokens: [3] }] }),
    ).rejects.toBeInstanceOf(NotOwnerError);
    await second.append({ kind: "RESTARTED", message: "again" });
    await second.append({ kind: "STARTED", n: 1 });
    const seen: GqlGenerationEvent[] = [];
    const reader = nodeB.duplicate();
    const tail = tailStream(reader, keys.events(id), (e) => seen.push(e), new AbortController().signal, {
      blockMs: 200,
      onIdle: async () => null,
    });
    // Live events after the reader has caught up.
    await new Promise((r) => setTimeout(r, 100));
    await second.append({ kind: "FINISHED" });
    await tail;
    reader.disconnect();
    expect(seen.map((e) => e.kind)).toEqual(["STARTED", "TOKENS", "RESTARTED", "STARTED", "FINISHED"]);
    await second.retire(1000);
    expect(await nodeA.pttl(keys.events(id))).toBeGreaterThan(0);
  });

  it("a reader falls back to what the database says when the stream stays silent", async () => {
    const reader = nodeA.duplicate();
    const seen: GqlGenerationEvent[] = [];
    let idle = 0;
    await tailStream(reader, keys.events("never-written"), (e) => seen.push(e), new AbortController().signal, {
      blockMs: 50,
      onIdle: async (n) => (++idle < 3 ? null : [{ kind: "STARTED", n }, { kind: "FAILED" }]),
    });
    reader.disconnect();
    expect(idle).toBe(3);
    expect(seen.map((e) => e.kind)).toEqual(["STARTED", "FAILED"]);
  });
});

describe("with PostgreSQL", () => {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  let db: Database;
  beforeAll(async () => {
    scratch = await scratchDatabase("tessera_scale_parts");
    db = await openDatabase({ databaseUrl: scratch.url, dataDir: "/nonexistent", log: () => {} });
    await db.prisma.board.create({ data: { id: "b1", name: "b" } });
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  it("compaction on one node keeps updates only another node has seen", async () => {
    const store = mergingBoardStore(db.prisma);
    // Node A and node B each log an update; neither has received the other's yet (Redis in between).
    const docA = new Y.Doc();
    const docB = new Y.Doc();
    docA.getMap("m").set("a", 1);
    docB.getMap("m").set("b", 2);
    const idA = await store.append("b1", Y.encodeStateAsUpdate(docA));
    const idB = await store.append("b1", Y.encodeStateAsUpdate(docB));
    // Node B compacts through the highest id it knows, with only its own state…
    await store.compact("b1", Y.encodeStateAsUpdate(docB), idB);
    // …then node A compacts with only its own state, through a lower id.
    await store.compact("b1", Y.encodeStateAsUpdate(docA), idA);
    const loaded = await store.load("b1");
    const doc = new Y.Doc();
    for (const u of loaded.updates) Y.applyUpdate(doc, u);
    expect(doc.getMap("m").toJSON()).toEqual({ a: 1, b: 2 });
    expect(loaded.compactedThrough).toBe(idB);
    expect(await db.prisma.boardUpdate.count({ where: { boardId: "b1" } })).toBe(0);
  });

  it("the reaper fails only old unfinished generations whose job is gone, never another node's live work", async () => {
    const queue = new Queue<GenerationJobData>(GENERATION_QUEUE, { connection: nodeA.duplicate(), prefix: keys.bull });
    const service = new ScaledGenerationService(
      db.prisma,
      {} as GenerationEngine,
      new BoardActivityBus(),
      pino({ level: "silent" }),
      { redis: nodeA, keys, queue, limiter: { take: () => true }, maxQueued: 10 },
    );
    await db.prisma.user.create({ data: { id: "u1", displayName: "u" } });
    const old = new Date(Date.now() - 5 * 60_000);
    const row = (id: string, createdAt: Date, status: "QUEUED" | "RUNNING") => ({
      id,
      boardId: "b1",
      cardId: "c",
      prompt: "p",
      n: 1,
      seed: 1,
      params: {},
      modelName: "m",
      modelVersion: "1",
      unknownWords: [],
      createdById: "u1",
      createdAt,
      status,
    });
    await db.prisma.generation.createMany({
      data: [row("lost", old, "RUNNING"), row("waiting", old, "QUEUED"), row("fresh", new Date(), "QUEUED")],
    });
    await queue.add(
      "generate",
      { generationId: "waiting", boardId: "b1", cardId: "c", request: { prompt: "p" } } as never,
      {
        jobId: "waiting",
      },
    );
    expect(await service.reapStale()).toBe(1);
    const statuses = await db.prisma.generation.findMany({
      select: { id: true, status: true },
      orderBy: { id: "asc" },
    });
    expect(statuses).toEqual([
      { id: "fresh", status: "QUEUED" },
      { id: "lost", status: "FAILED" },
      { id: "waiting", status: "QUEUED" },
    ]);
    await queue.close();
  });

  it("fair turns across boards on the shared queue: a flood delays another board by one job at most", async () => {
    const fairKeys = redisKeys(`${prefix}-fair`);
    const queue = new Queue<GenerationJobData>(GENERATION_QUEUE, {
      connection: nodeA.duplicate(),
      prefix: fairKeys.bull,
    });
    const engine = {
      model: () => ({
        name: "test",
        version: "1",
        defaults: { n: 4, temperature: 1, topK: 64, topP: 1, guidanceScale: 3 },
      }),
    } as unknown as GenerationEngine;
    // Two API nodes share the queue and the fair clock.
    const node = (redis: Redis) =>
      new ScaledGenerationService(db.prisma, engine, new BoardActivityBus(), pino({ level: "silent" }), {
        redis,
        keys: fairKeys,
        queue,
        limiter: { take: () => true },
        maxQueued: 100,
      });
    const [a, b] = [node(nodeA), node(nodeB)];
    await db.prisma.user.createMany({
      data: [
        { id: "flooder", displayName: "Flo" },
        { id: "other", displayName: "Ola" },
      ],
    });
    await db.prisma.board.createMany({
      data: [
        { id: "A", name: "A" },
        { id: "B", name: "B" },
      ],
    });
    const ids: Record<string, string> = {};
    for (let i = 0; i < 6; i++) {
      const g = await a.start({ userId: "flooder", boardId: "A", cardId: "c", prompt: `flood ${i}`, n: 1 });
      ids[g.id] = `A${i}`;
    }
    const late = await b.start({ userId: "other", boardId: "B", cardId: "c", prompt: "a tree", n: 1 });
    ids[late.id] = "B0";
    // Either node reads the same order; the flood's prompts never reach board B's view.
    const seenFromB = await b.boardQueue("B");
    expect(seenFromB.entries).toEqual([
      expect.objectContaining({ generationId: late.id, position: 2, createdBy: "Ola", prompt: "a tree" }),
    ]);
    expect(seenFromB.waiting).toBe(7);
    expect((await a.boardQueue("A")).entries.map((e) => e.position)).toEqual([1, 3, 4, 5, 6, 7]);

    // A runner (one job at a time) takes them in that order, advancing the clock as the real one does.
    const ran: string[] = [];
    const worker = new Worker<GenerationJobData>(
      GENERATION_QUEUE,
      async (job) => {
        await advanceFairClock(nodeA, fairKeys, job.opts.priority);
        ran.push(ids[job.data.generationId]!);
        // Board B queues again mid-flood: its next job still waits behind at most one of board A's.
        if (ran.length === 3) {
          const g = await b.start({ userId: "other", boardId: "B", cardId: "c", prompt: "a bush", n: 1 });
          ids[g.id] = "B1";
        }
      },
      { connection: connectRedis(REDIS_URL, { mode: "wait" }), prefix: fairKeys.bull, concurrency: 1 },
    );
    await new Promise<void>((resolve) => worker.on("drained", () => resolve()));
    await worker.close();
    expect(ran).toEqual(["A0", "B0", "A1", "A2", "B1", "A3", "A4", "A5"]);
    await queue.obliterate({ force: true });
    await queue.close();
  });
});
