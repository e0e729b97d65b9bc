import { candidateImagePath, type GQL } from "@tessera/shared";

/** Generations belong to no one's undo history: they're added to cards under their own origin. */
export const GENERATION_ORIGIN = "tessera:generation";

/**
 * A generation as the board shows it, folded from the API's snapshot and then its event stream. Pure, so
 * every collaborator who applies the same events sees the same tiles.
 */
export interface Tile {
  index: number;
  candidateId: string | null;
  image: string | null;
  /** Grid rows the current `image` (a preview) shows generated. */
  rowsDone: number;
  /** The image codes received so far, in raster order (TOKENS), painted ahead of the previews. */
  tokens: number[];
  /** Whole grid rows among `tokens`. */
  tokenRows: number;
  finished: boolean;
  score: number | null;
  rank: number | null;
  votes: number;
  votedByMe: boolean;
}

export interface GenState {
  id: string;
  cardId: string;
  prompt: string;
  status: GQL.GenerationStatus;
  n: number;
  gridRows: number;
  gridCols: number;
  unknownWords: string[];
  tiles: Tile[];
  lastSeq: number;
  startedAt: number;
  error: string | null;
  /** Who pressed Generate (shown to everyone while it runs); null when not known. */
  createdBy: string | null;
  /** Who started it (their user id): they may cancel it, as may the board's owner. */
  createdById: string | null;
  /** The generation's seed (each candidate is a row of it), shown in the gallery's details. */
  seed: number | null;
  /** A prompt matrix's cell: the matrix the card draws instead of this generation's tiles. */
  matrixId: string | null;
  /** An uploaded picture (its file format): completed with the card's prompt, not its own. */
  uploadFormat: string | null;
}

function emptyTile(index: number): Tile {
  return {
    index,
    candidateId: null,
    image: null,
    rowsDone: 0,
    tokens: [],
    tokenRows: 0,
    finished: false,
    score: null,
    rank: null,
    votes: 0,
    votedByMe: false,
  };
}

type SnapshotGen = Pick<GQL.Generation, "id" | "cardId" | "prompt" | "n" | "status" | "unknownWords" | "error"> & {
  createdAt: string;
  createdBy?: { id?: string; displayName: string } | null;
  seed?: number | null;
  matrix?: { id: string } | null;
  uploadFormat?: string | null;
  candidates: Pick<GQL.Candidate, "id" | "index" | "imageUrl" | "clipScore" | "rank" | "votes" | "votedByMe">[];
};

export function fromSnapshot(g: SnapshotGen, grid: { rows: number; cols: number }): GenState {
  const gridRows = grid.rows;
  const tiles = Array.from({ length: g.n }, (_, i) => emptyTile(i));
  for (const c of g.candidates) {
    const t = tiles[c.index];
    if (!t) continue;
    Object.assign(t, {
      candidateId: c.id,
      image: c.imageUrl ?? null,
      finished: c.imageUrl != null,
      rowsDone: c.imageUrl != null ? gridRows : 0,
      score: c.clipScore ?? null,
      rank: c.rank ?? null,
      votes: c.votes,
      votedByMe: c.votedByMe,
    });
  }
  return {
    id: g.id,
    cardId: g.cardId,
    prompt: g.prompt,
    status: g.status,
    n: g.n,
    gridRows,
    gridCols: grid.cols,
    unknownWords: g.unknownWords,
    tiles,
    lastSeq: -1,
    startedAt: Date.parse(g.createdAt) || Date.now(),
    error: g.error ?? null,
    createdBy: g.createdBy?.displayName ?? null,
    createdById: g.createdBy?.id ?? null,
    seed: g.seed ?? null,
    matrixId: g.matrix?.id ?? null,
    uploadFormat: g.uploadFormat ?? null,
  };
}

function patchTile(s: GenState, index: number | null | undefined, patch: Partial<Tile>): Tile[] {
  if (index == null || index < 0 || index >= s.n) return s.tiles;
  return s.tiles.map((t) => (t.index === index ? { ...t, ...patch } : t));
}

/** Applies one event; replayed or duplicate events (seq ≤ lastSeq) change nothing. */
export function applyEvent(s: GenState, e: GQL.GenerationEvent): GenState {
  if (e.seq <= s.lastSeq) return s;
  const next: GenState = { ...s, lastSeq: e.seq };
  switch (e.kind) {
    case "STARTED":
    case "RESTARTED":
      return {
        ...next,
        status: "RUNNING",
        unknownWords: e.unknownWords ?? s.unknownWords,
        tiles: e.kind === "RESTARTED" ? s.tiles.map((t) => ({ ...emptyTile(t.index), votes: t.votes })) : s.tiles,
      };
    case "TOKENS": {
      let tiles = s.tiles;
      for (const r of e.rows ?? []) {
        const t = tiles[r.candidate];
        // Rows come in order (a remix's kept rows as one run); one that doesn't continue the tile (not
        // expected) is left out rather than painted in the wrong place.
        if (!t || t.finished || r.start !== t.tokens.length) continue;
        const tokens = t.tokens.concat(r.tokens).slice(0, s.gridRows * s.gridCols);
        tiles = patchTile({ ...s, tiles }, r.candidate, { tokens, tokenRows: Math.floor(tokens.length / s.gridCols) });
      }
      return { ...next, tiles };
    }
    case "PREVIEW": {
      let tiles = s.tiles;
      for (const p of e.previews ?? []) {
        if (tiles[p.candidate]?.finished) continue;
        tiles = patchTile({ ...s, tiles }, p.candidate, { image: p.image, rowsDone: e.rowsDone ?? 0 });
      }
      return { ...next, tiles };
    }
    case "CANDIDATES_FINISHED": {
      let tiles = s.tiles;
      for (const f of e.finished ?? []) {
        tiles = patchTile({ ...s, tiles }, f.candidate, {
          // A replayed candidate whose PNG is not stored is rendered on demand by the image route.
          image: f.image ?? candidateImagePath(f.candidateId),
          candidateId: f.candidateId,
          finished: true,
          rowsDone: s.gridRows,
        });
      }
      return { ...next, tiles };
    }
    case "RANKING": {
      let tiles = s.tiles;
      for (const r of e.ranking ?? []) {
        tiles = tiles.map((t) => (t.index === r.candidate ? { ...t, score: r.score, rank: r.rank } : t));
      }
      return { ...next, tiles };
    }
    case "FAILED":
      return { ...next, status: "FAILED", error: e.message ?? e.errorCode ?? "The generation failed." };
    case "CANCELLED":
      return { ...next, status: "CANCELLED" };
    case "FINISHED":
      return { ...next, status: "FINISHED" };
    default:
      return next;
  }
}

/** Progress 0..1 of a tile and of the whole generation, and an ETA from the elapsed rate. */
export function progress(s: GenState, now: number): { fraction: number; etaMs: number | null } {
  const total = s.n * s.gridRows;
  const done = s.tiles.reduce((acc, t) => acc + Math.min(Math.max(t.rowsDone, t.tokenRows), s.gridRows), 0);
  const fraction = total > 0 ? done / total : 0;
  if (fraction <= 0 || fraction >= 1) return { fraction, etaMs: fraction >= 1 ? 0 : null };
  const elapsed = now - s.startedAt;
  return { fraction, etaMs: Math.max(0, (elapsed / fraction) * (1 - fraction)) };
}
