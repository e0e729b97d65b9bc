/**
 * recordAndPublish against the real PostgreSQL: events go out in the runner's order, each after what it
 * announces is stored; a generation's candidates are stored together in one statement; a retried job
 * keeps its candidate ids; a stream that breaks after some candidates still stores and announces them;
 * steps that arrive while the API is behind go out together, steps that come one by one do not.
 */
import type { RunnerEvent } from "@tessera/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, MIGRATIONS_DIR, migrate, type PrismaClient } from "../src/db/index.ts";
import { recordAndPublish } from "../src/generation/record-event.ts";
import type { GqlGenerationEvent } from "../src/generation/to-gql-event.ts";
import { scratchDatabase } from "./db-helpers.ts";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let prisma: PrismaClient;

beforeAll(async () => {
  db = await scratchDatabase("tessera_record");
  await migrate(db.url, MIGRATIONS_DIR);
  prisma = createPrisma(db.url, 4);
  await prisma.user.create({ data: { id: "u1", displayName: "Ada" } });
  await prisma.board.create({ data: { id: "b1", name: "board" } });
});
afterAll(async () => {
  await prisma?.$disconnect();
  await db?.drop();
});

let nextId = 0;
async function newGeneration(n: number): Promise<string> {
  const id = `g${nextId++}`;
  await prisma.generation.create({
    data: {
      id,
      boardId: "b1",
      cardId: "c1",
      prompt: "a red circle",
      n,
      seed: 1,
      params: {},
      modelName: "test",
      modelVersion: "0",
      unknownWords: [],
      createdById: "u1",
    },
  });
  return id;
}

// Every byte value, so the stored PNG proves a byte-exact round trip.
const png = (i: number) => new Uint8Array([0x89, 0x50, 0x4e, 0x47, ...Array.from({ length: 256 }, (_, b) => b), i]);

function runnerEvents(n: number, opts: { breakAfter?: number } = {}): AsyncIterable<RunnerEvent> {
  return (async function* () {
    yield { type: "started", n, unknownWords: [] };
    for (let c = 0; c < n; c++) yield { type: "tokens", candidate: c, start: 0, tokens: [c, c] };
    for (let c = 0; c < n; c++) yield { type: "preview", candidate: c, rowsDone: 1, png: png(c) };
    for (let c = 0; c < n; c++) yield { type: "tokens", candidate: c, start: 2, tokens: [c + 1, c + 1] };
    for (let c = 0; c < n; c++) {
      if (opts.breakAfter === c) throw new Error("runner crashed");
      yield { type: "candidateFinished", candidate: c, tokens: [c, c, c], png: png(c) };
    }
    if (opts.breakAfter === n) throw new Error("runner crashed");
    yield {
      type: "ranking",
      ranking: Array.from({ length: n }, (_, c) => ({ candidate: c, score: c / 10, rank: n - 1 - c })),
    };
    yield {
      type: "finished",
      timings: { queuedMs: 1, firstRowMs: 2, decodeMs: 3, rankMs: 4, totalMs: 10, steps: 2 },
    };
  })() as AsyncIterable<RunnerEvent>;
}

/** Records the stream, checking at each publish that what the event announces is already in the database. */
async function record(id: string, events: AsyncIterable<RunnerEvent>) {
  const published: GqlGenerationEvent[] = [];
  const status = await recordAndPublish({
    prisma,
    generationId: id,
    events,
    publish: async (e) => {
      for (const f of e.finished ?? []) {
        const row = await prisma.candidate.findUnique({ where: { id: f.candidateId } });
        expect(row?.index).toBe(f.candidate);
        expect(row?.tokens).toEqual(f.tokens);
        expect(Buffer.from(row!.png!)).toEqual(Buffer.from(png(f.candidate)));
      }
      if (e.kind === "RANKING") {
        const ranked = await prisma.candidate.count({ where: { generationId: id, rank: { not: null } } });
        expect(ranked).toBe(e.ranking!.length);
      }
      if (e.kind === "FINISHED") {
        expect((await prisma.generation.findUnique({ where: { id } }))?.status).toBe("FINISHED");
      }
      published.push(e);
    },
  });
  return { status, published };
}

describe("recordAndPublish", () => {
  it("publishes in order, each event after its write; one TOKENS / PREVIEW / CANDIDATES_FINISHED event per step for all candidates", async () => {
    const id = await newGeneration(4);
    const { status, published } = await record(id, runnerEvents(4));
    expect(status).toBe("FINISHED");
    expect(published.map((e) => e.kind)).toEqual([
      "STARTED",
      "TOKENS",
      "PREVIEW",
      "TOKENS",
      "CANDIDATES_FINISHED",
      "RANKING",
      "FINISHED",
    ]);
    expect(published[1]!.rows).toEqual([0, 1, 2, 3].map((c) => ({ candidate: c, start: 0, tokens: [c, c] })));
    expect(published[2]!.rowsDone).toBe(1);
    expect(published[2]!.previews!.map((p) => p.candidate)).toEqual([0, 1, 2, 3]);
    expect(published[2]!.previews![0]!.image).toMatch(/^data:image\/png;base64,/);
    expect(published[3]!.rows!.map((r) => r.start)).toEqual([2, 2, 2, 2]);
    expect(published[4]!.finished!.map((f) => f.candidate)).toEqual([0, 1, 2, 3]);
    expect(published[4]!.finished![0]!.image).toMatch(/^data:image\/png;base64,/);
    const rows = await prisma.candidate.findMany({ where: { generationId: id }, orderBy: { index: "asc" } });
    expect(rows.map((r) => [r.index, r.rank, Buffer.from(r.png!).at(-1)])).toEqual([
      [0, 3, 0],
      [1, 2, 1],
      [2, 1, 2],
      [3, 0, 3],
    ]);
  });

  it("a retried job rewrites its candidates in place: same ids, stale ranking cleared until re-ranked", async () => {
    const id = await newGeneration(3);
    const first = await record(id, runnerEvents(3));
    const finishedIds = (events: GqlGenerationEvent[]) =>
      events.flatMap((e) => e.finished ?? []).map((f) => f.candidateId);
    const ids = finishedIds(first.published);
    expect(ids).toHaveLength(3);
    const retried: GqlGenerationEvent[] = [];
    await recordAndPublish({
      prisma,
      generationId: id,
      events: runnerEvents(3, { breakAfter: 3 }), // all three candidates again, then a crash before ranking
      publish: (e) => retried.push(e),
    }).catch(() => {});
    expect(finishedIds(retried)).toEqual(ids);
    const rows = await prisma.candidate.findMany({ where: { generationId: id } });
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.rank === null && r.clipScore === null)).toBe(true);
  });

  it("a stream that breaks after some candidates stores and announces those before the error surfaces", async () => {
    const id = await newGeneration(4);
    const published: GqlGenerationEvent[] = [];
    await expect(
      recordAndPublish({
        prisma,
        generationId: id,
        events: runnerEvents(4, { breakAfter: 2 }),
        publish: (e) => published.push(e),
      }),
    ).rejects.toThrow("runner crashed");
    const finished = published.filter((e) => e.kind === "CANDIDATES_FINISHED");
    expect(finished.map((e) => e.finished!.map((f) => f.candidate))).toEqual([[0, 1]]);
    expect(await prisma.candidate.count({ where: { generationId: id } })).toBe(2);
  });

  it("batches the next steps' tokens only when they are already there; ranking and end stored together", async () => {
    const rows = 6;
    const stream = (gapMs: number) =>
      (async function* () {
        yield { type: "started", n: 2, unknownWords: [] };
        for (let r = 0; r < rows; r++) {
          if (gapMs) await new Promise((res) => setTimeout(res, gapMs));
          for (let c = 0; c < 2; c++) yield { type: "tokens", candidate: c, start: r * 2, tokens: [r, r] };
        }
        for (let c = 0; c < 2; c++) yield { type: "candidateFinished", candidate: c, tokens: [c], png: png(c) };
        yield { type: "ranking", ranking: [0, 1].map((c) => ({ candidate: c, score: c, rank: 2 - c })) };
        yield {
          type: "finished",
          timings: { queuedMs: 1, firstRowMs: 2, decodeMs: 3, rankMs: 4, totalMs: 9, steps: 6 },
        };
      })() as AsyncIterable<RunnerEvent>;

    // All there at once (the API is behind): up to 4 steps per TOKENS event, every token exactly once.
    const behind = await record(await newGeneration(2), stream(0));
    const batched = behind.published.filter((e) => e.kind === "TOKENS");
    expect(batched.map((e) => e.rows!.length)).toEqual([8, 4]);
    expect(batched.flatMap((e) => e.rows!.map((r) => `${r.candidate}:${r.start}`)).sort()).toEqual(
      [0, 1].flatMap((c) => Array.from({ length: rows }, (_, r) => `${c}:${r * 2}`)).sort(),
    );
    expect(behind.status).toBe("FINISHED");
    expect(behind.published.slice(-2).map((e) => e.kind)).toEqual(["RANKING", "FINISHED"]);

    // Steps that come one by one go out one by one: nothing waits to be batched.
    const live = await record(await newGeneration(2), stream(15));
    expect(live.published.filter((e) => e.kind === "TOKENS").map((e) => e.rows!.length)).toEqual(Array(rows).fill(2));
    const g = await prisma.generation.findUnique({ where: { id: `g${nextId - 1}` }, include: { candidates: true } });
    expect(g?.status).toBe("FINISHED");
    expect(g?.finishedAt?.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(g?.finishedAt?.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(g?.timings).toMatchObject({ totalMs: 9 });
    expect(g?.candidates.map((c) => [c.index, c.rank]).sort()).toEqual([
      [0, 2],
      [1, 1],
    ]);
  });
});
