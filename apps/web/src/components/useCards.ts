import { type Card, listCards, observeCards, readCard } from "@tessera/shared";
import { useEffect, useState } from "react";
import type * as Y from "yjs";

/**
 * The board's cards as React state. Only changed cards get new objects, so memoized card views of the
 * other cards don't re-render when one card moves.
 */
export function useCards(doc: Y.Doc): Map<string, Card> {
  const [cards, setCards] = useState<Map<string, Card>>(() => new Map(listCards(doc).map((c) => [c.id, c])));
  useEffect(() => {
    setCards(new Map(listCards(doc).map((c) => [c.id, c])));
    return observeCards(doc, (ids) => {
      setCards((prev) => {
        const next = new Map(prev);
        for (const id of ids) {
          const c = readCard(doc, id);
          if (c) next.set(id, c);
          else next.delete(id);
        }
        return next;
      });
    });
  }, [doc]);
  return cards;
}
