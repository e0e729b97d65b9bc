import type { GQL } from "@tessera/shared";
import { describe, expect, it } from "vitest";
import { applyEvent, fromSnapshot, progress } from "./generationState.ts";

const snapshot = {
  id: "g1",
  cardId: "c1",
  prompt: "a red circle",
  n: 2,
  status: "QUEUED" as const,
  unknownWords: [],
  error: null,
  createdAt: new Date(1000).toISOString(),
  candidates: [],
};

function ev(seq: number, kind: GQL.GenerationEventKind, extra: Partial<GQL.GenerationEvent> = {}): GQL.GenerationEvent {
  return { generationId: "g1", seq, kind, ...extra } as GQL.GenerationEvent;
}

describe("generation state", () => {
  it("fills tiles from previews, finishes and ranks them, and ignores replayed events", () => {
    let s = fromSnapshot(snapshot, { rows: 8, cols: 8 });
    s = applyEvent(s, ev(0, "STARTED", { n: 2, unknownWords: ["circel"] }));
    expect(s.status).toBe("RUNNING");
    expect(s.unknownWords).toEqual(["circel"]);
    s = applyEvent(
      s,
      ev(1, "PREVIEW", {
        rowsDone: 3,
        previews: [
          { candidate: 0, image: "data:image/png;base64,A0" },
          { candidate: 1, image: "data:image/png;base64,AA" },
        ],
      }),
    );
    expect(s.tiles[0]).toMatchObject({ rowsDone: 3, image: "data:image/png;base64,A0", finished: false });
    expect(s.tiles[1]).toMatchObject({ rowsDone: 3, image: "data:image/png;base64,AA", finished: false });
    expect(progress(s, 2000).fraction).toBeCloseTo(6 / 16);
    const replay = applyEvent(s, ev(1, "PREVIEW", { rowsDone: 1, previews: [{ candidate: 1, image: "x" }] }));
    expect(replay).toBe(s);
    s = applyEvent(
      s,
      ev(2, "CANDIDATES_FINISHED", {
        finished: [
          { candidate: 0, candidateId: "k0", tokens: [], image: "data:0" },
          { candidate: 1, candidateId: "k1", tokens: [], image: null },
        ],
      }),
    );
    expect(s.tiles.map((t) => [t.image, t.finished])).toEqual([
      ["data:0", true],
      ["/images/k1.png", true],
    ]);
    s = applyEvent(
      s,
      ev(3, "RANKING", {
        ranking: [
          { candidate: 1, score: 0.3, rank: 1 },
          { candidate: 0, score: 0.2, rank: 2 },
        ],
      }),
    );
    s = applyEvent(s, ev(4, "FINISHED"));
    expect(s.status).toBe("FINISHED");
    expect(s.tiles.map((t) => [t.candidateId, t.rank])).toEqual([
      ["k0", 2],
      ["k1", 1],
    ]);
    expect(progress(s, 3000).fraction).toBe(1);
  });

  it("collects each candidate's tokens row by row, ahead of the previews", () => {
    let s = fromSnapshot(snapshot, { rows: 8, cols: 4 });
    const row = (candidate: number, start: number, code: number, length = 4) => ({
      candidate,
      start,
      tokens: Array(length).fill(code),
    });
    s = applyEvent(s, ev(0, "TOKENS", { rows: [row(0, 0, 1), row(1, 0, 2)] }));
    expect(s.tiles[0]).toMatchObject({ tokens: [1, 1, 1, 1], tokenRows: 1, rowsDone: 0 });
    // A server that fell behind sends several steps in one event; a remix's kept rows come as one run.
    s = applyEvent(s, ev(1, "TOKENS", { rows: [row(0, 4, 3), row(1, 4, 4), row(0, 8, 5), row(1, 8, 6, 8)] }));
    expect(s.tiles[0]).toMatchObject({ tokens: [1, 1, 1, 1, 3, 3, 3, 3, 5, 5, 5, 5], tokenRows: 3 });
    expect(s.tiles[1]?.tokens).toHaveLength(16);
    expect(s.tiles[1]?.tokenRows).toBe(4);
    // Progress counts token rows, not only preview rows: (3 + 4) of 16.
    expect(progress(s, 2000).fraction).toBeCloseTo(7 / 16);
    // A row that doesn't continue the tile is left out, not painted in the wrong place; replays change nothing.
    const gap = applyEvent(s, ev(2, "TOKENS", { rows: [row(0, 20, 9)] }));
    expect(gap.tiles[0]?.tokens).toHaveLength(12);
    expect(applyEvent(s, ev(1, "TOKENS", { rows: [row(0, 12, 9)] }))).toBe(s);
    // A restart (the runner was lost) starts the tiles over.
    s = applyEvent(s, ev(3, "RESTARTED"));
    expect(s.tiles[0]).toMatchObject({ tokens: [], tokenRows: 0 });
  });

  it("ignores out-of-range candidates and records failures", () => {
    let s = fromSnapshot(snapshot, { rows: 8, cols: 8 });
    s = applyEvent(s, ev(0, "PREVIEW", { rowsDone: 2, previews: [{ candidate: 7, image: "x" }] }));
    expect(s.tiles.every((t) => t.image === null)).toBe(true);
    s = applyEvent(s, ev(1, "FAILED", { errorCode: "RUNNER_DOWN", message: "The runner is down" }));
    expect(s).toMatchObject({ status: "FAILED", error: "The runner is down" });
  });

  it("restores finished candidates and votes from a stored snapshot", () => {
    const s = fromSnapshot(
      {
        ...snapshot,
        status: "FINISHED",
        candidates: [
          { id: "k0", index: 0, imageUrl: "/images/k0.png", clipScore: 0.4, rank: 1, votes: 2, votedByMe: true },
        ],
      },
      { rows: 8, cols: 8 },
    );
    expect(s.tiles[0]).toMatchObject({ finished: true, rowsDone: 8, votes: 2, votedByMe: true, rank: 1 });
    expect(s.tiles[1]?.finished).toBe(false);
  });
});
