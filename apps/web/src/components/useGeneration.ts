import type { GQL } from "@tessera/shared";
import { useEffect, useState } from "react";
import { applyEvent, fromSnapshot, type GenState } from "../lib/generationState.ts";
import { friendlyError, gql } from "../lib/gql.ts";
import { subscribe } from "../lib/live.ts";
import { Q_GENERATION, S_GENERATION } from "../lib/queries.ts";
import { useBoard } from "./boardContext.ts";

/**
 * A generation's live state: the stored snapshot (candidates, votes) and then its event stream, which
 * replays from seq 0 so a late joiner or a reload sees the same tiles as everyone else.
 */
export function useGeneration(id: string | null): {
  gen: GenState | null;
  error: string | null;
  setGen: (f: (g: GenState) => GenState) => void;
} {
  const { info, onVotes } = useBoard();
  const [gen, setGenState] = useState<GenState | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setGenState(null);
    setError(null);
    if (!id) return;
    let stop: (() => void) | null = null;
    let cancelled = false;
    gql<{ generation: Parameters<typeof fromSnapshot>[0] | null }>(Q_GENERATION, { id })
      .then((d) => {
        if (cancelled) return;
        if (!d.generation) return setError("This generation is gone.");
        setGenState(fromSnapshot(d.generation, { rows: info.model.gridRows, cols: info.model.gridCols }));
        const done = ["FINISHED", "FAILED", "CANCELLED"].includes(d.generation.status);
        if (done && d.generation.candidates.every((c) => c.imageUrl)) return;
        stop = subscribe<{ generationEvents: GQL.GenerationEvent }>(
          S_GENERATION,
          { id },
          ({ generationEvents: e }) => setGenState((g) => (g ? applyEvent(g, e) : g)),
          (err) => setError(friendlyError(err)),
        );
      })
      .catch((e) => !cancelled && setError(friendlyError(e)));
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [id, info.model.gridRows, info.model.gridCols]);

  useEffect(
    () =>
      onVotes((candidateId, votes) =>
        setGenState((g) =>
          g?.tiles.some((t) => t.candidateId === candidateId)
            ? { ...g, tiles: g.tiles.map((t) => (t.candidateId === candidateId ? { ...t, votes } : t)) }
            : g,
        ),
      ),
    [onVotes],
  );

  return { gen, error, setGen: (f) => setGenState((g) => (g ? f(g) : g)) };
}
