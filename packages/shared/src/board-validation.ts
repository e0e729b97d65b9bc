import * as Y from "yjs";
import { CARD_COLORS, CARD_KINDS, CARD_SIZE, cardsMap, presetsMap } from "./board.ts";
import { cardSettingsSchema, presetSchema } from "./card-settings.ts";
import { LIMITS } from "./limits.ts";
import { isWellFormedText } from "./text.ts";

/**
 * Checks a Yjs update from a client against the board model (`board.ts`) before the server applies or stores
 * it. The server must not trust an editor: a card whose prompt is a plain string instead of a Y.Text, a root
 * other than `cards`, an unknown key, a number out of range or 10,000 cards would be stored and broken for
 * everyone. The update is decoded (never applied): each new item's place is found — in the update itself or
 * in the live document — and its content checked for that place.
 */
export type BoardUpdateCheck = { ok: true } | { ok: false; reason: string };

/** Card ids: what `createCard` makes (UUIDs) and what tests use. */
const CARD_ID = /^[A-Za-z0-9_-]{1,64}$/;
const ID_VALUE_MAX = 64;
/**
 * Hard bounds the server enforces. A little above what the editor allows (prompt 300, note 2000 characters;
 * 2000 cards): two people typing or adding a card at once may each be within the limit while the merge is
 * not, and refusing a well-behaved client's edit would lock it in a reconnect loop. Abuse is still bounded.
 */
export const BOARD_HARD_LIMITS = {
  cards: LIMITS.cardsPerBoardMax + 20,
  textChars: 2 * LIMITS.noteMaxChars,
  generationsPerCard: 10_000,
  presets: LIMITS.presetsPerBoardMax + 5,
} as const;

const COORD = 1_000_000;
const isId = (v: unknown) => typeof v === "string" && v.length >= 1 && v.length <= ID_VALUE_MAX;
const isCoord = (v: unknown) => typeof v === "number" && Number.isFinite(v) && Math.abs(v) <= COORD;
const inRange = (lo: number, hi: number) => (v: unknown) => typeof v === "number" && v >= lo && v <= hi;

/** A Yjs delete set as `decodeUpdate` returns it (yjs does not export the class's type). */
interface DeleteSet {
  clients: Map<number, { clock: number; len: number }[]>;
}

type FieldRule = { check: (v: unknown) => boolean } | { type: typeof Y.Text | typeof Y.Array };

/** What each key of a card map may hold: a check of its one value, or the Yjs type it must be. */
const CARD_FIELDS: Record<string, FieldRule> = {
  id: { check: isId },
  kind: { check: (v) => (CARD_KINDS as readonly unknown[]).includes(v) },
  x: { check: isCoord },
  y: { check: isCoord },
  w: { check: inRange(CARD_SIZE.minW, CARD_SIZE.maxW) },
  h: { check: inRange(CARD_SIZE.minH, CARD_SIZE.maxH) },
  color: { check: (v) => (CARD_COLORS as readonly unknown[]).includes(v) },
  text: { type: Y.Text },
  generations: { type: Y.Array },
  pickCandidateId: { check: (v) => v === null || isId(v) },
  createdBy: { check: (v) => v === null || isId(v) },
  createdAt: { check: (v) => typeof v === "number" && Number.isFinite(v) && v >= 0 },
  settings: { check: (v) => cardSettingsSchema.safeParse(v).success },
};

/**
 * Where an item lives: in the cards map (under a card id), in a card (under a field), in a card's text or
 * list, or in the presets map (under a preset id).
 */
type Container =
  | { kind: "cards" }
  | { kind: "presets" }
  | { kind: "card"; holder: string }
  | { kind: "text"; holder: string; live: Y.Text | null }
  | { kind: "generations"; holder: string; live: Y.Array<unknown> | null }
  /** Inside content already garbage-collected (a deleted card): Yjs drops it on arrival, it holds nothing. */
  | { kind: "void" }
  | { kind: "invalid"; reason: string };

interface Place {
  container: Container;
  key: string | null;
}

export function checkBoardUpdate(doc: Y.Doc, update: Uint8Array): BoardUpdateCheck {
  let decoded: { structs: (Y.Item | Y.GC | Y.Skip)[]; ds: DeleteSet };
  try {
    decoded = Y.decodeUpdate(update) as typeof decoded;
  } catch {
    return { ok: false, reason: "malformed update" };
  }
  const cards = cardsMap(doc);
  const presets = presetsMap(doc);
  const byClient = new Map<number, Y.Item[]>();
  for (const s of decoded.structs) {
    if (!(s instanceof Y.Item)) continue;
    const list = byClient.get(s.id.client) ?? [];
    list.push(s);
    byClient.set(s.id.client, list);
  }
  const places = new Map<Y.Item, Place>();
  const holders = new Map<Y.Item, Container>();

  /** The item (from this update, else from the document) whose id range holds `id`. */
  const lookup = (id: Y.ID): Y.Item | Y.GC | null => {
    const inUpdate = byClient.get(id.client)?.find((s) => s.id.clock <= id.clock && id.clock < s.id.clock + s.length);
    if (inUpdate) return inUpdate;
    if (id.clock >= Y.getState(doc.store, id.client)) return null;
    try {
      return Y.getItem(doc.store, id);
    } catch {
      return null;
    }
  };

  const invalid = (reason: string): Container => ({ kind: "invalid", reason });

  /** What the Yjs type held by `item` (a map entry or list element whose content is a type) is on a board. */
  const containerHeldBy = (item: Y.Item | Y.GC | null, depth: number): Container => {
    if (item instanceof Y.GC) return { kind: "void" };
    if (!(item instanceof Y.Item)) return invalid("refers to content the server does not have");
    if (!isDecoded(item) && item.deleted) return { kind: "void" }; // Yjs deletes what lands in a deleted type
    const cached = holders.get(item);
    if (cached) return cached;
    const content = item.content;
    if (!(content instanceof Y.ContentType)) return invalid("refers to a value that is not a Yjs type");
    const place = placeOf(item, depth + 1);
    const key = `${item.id.client}:${item.id.clock}`;
    let c: Container;
    if (place.container.kind === "invalid" || place.container.kind === "void") c = place.container;
    else if (place.container.kind === "cards") c = { kind: "card", holder: key };
    else if (place.container.kind === "card" && place.key === "text")
      c = { kind: "text", holder: key, live: content.type instanceof Y.Text && !isDecoded(item) ? content.type : null };
    else if (place.container.kind === "card" && place.key === "generations")
      c = {
        kind: "generations",
        holder: key,
        live: content.type instanceof Y.Array && !isDecoded(item) ? (content.type as Y.Array<unknown>) : null,
      };
    else c = invalid("puts a Yjs type where the board holds plain values");
    holders.set(item, c);
    return c;
  };

  const isDecoded = (item: Y.Item) => !(item.parent instanceof Y.AbstractType);

  /** The container and key of an item, from the document (integrated items) or the update (new ones). */
  const placeOf = (item: Y.Item, depth = 0): Place => {
    const cached = places.get(item);
    if (cached) return cached;
    if (depth > 64) return { container: invalid("nests too deep"), key: null };
    let place: Place;
    const parent = item.parent as unknown;
    if (parent instanceof Y.AbstractType) {
      const holder = parent._item;
      const container: Container =
        parent === (cards as unknown as Y.AbstractType<unknown>)
          ? { kind: "cards" }
          : parent === (presets as unknown as Y.AbstractType<unknown>)
            ? { kind: "presets" }
            : holder
              ? containerHeldBy(holder, depth)
              : invalid("writes to a document root other than cards and presets");
      place = { container, key: item.parentSub };
    } else if (typeof parent === "string") {
      place = {
        container:
          parent === "cards"
            ? { kind: "cards" }
            : parent === "presets"
              ? { kind: "presets" }
              : invalid(`writes to the unknown root "${parent}"`),
        key: item.parentSub,
      };
    } else if (parent instanceof Y.ID) {
      place = { container: containerHeldBy(lookup(parent), depth), key: item.parentSub };
    } else {
      // Inserted next to a neighbour: Yjs takes parent and key from it.
      const neighbourId = item.origin ?? item.rightOrigin;
      const neighbour = neighbourId ? lookup(neighbourId) : null;
      place =
        neighbour instanceof Y.Item
          ? placeOf(neighbour, depth + 1)
          : neighbour instanceof Y.GC
            ? { container: { kind: "void" }, key: null }
            : { container: invalid("refers to content the server does not have"), key: null };
    }
    places.set(item, place);
    return place;
  };

  let newCards = 0;
  const seenNewCards = new Set<string>();
  let newPresets = 0;
  const seenNewPresets = new Set<string>();
  const textGrowth = new Map<string, { live: Y.Text | null; chars: number }>();
  const listGrowth = new Map<string, { live: Y.Array<unknown> | null; items: number }>();

  for (const [client, items] of byClient) {
    const known = Y.getState(doc.store, client);
    for (const item of items) {
      if (item.id.clock + item.length <= known) continue; // already in the document: Yjs ignores it
      const content = item.content;
      if (content instanceof Y.ContentDeleted) continue; // a tombstone holds nothing
      const { container, key } = placeOf(item);
      switch (container.kind) {
        case "invalid":
          return { ok: false, reason: container.reason };
        case "void":
          break;
        case "cards": {
          if (key === null || !CARD_ID.test(key))
            return { ok: false, reason: "a card id must be 1-64 letters, digits, _ or -" };
          if (!(content instanceof Y.ContentType) || content.type.constructor !== Y.Map)
            return { ok: false, reason: `card ${key} must be a Y.Map` };
          if (!cards.has(key) && !seenNewCards.has(key)) {
            seenNewCards.add(key);
            newCards++;
          }
          break;
        }
        case "presets": {
          if (key === null || !CARD_ID.test(key))
            return { ok: false, reason: "a preset id must be 1-64 letters, digits, _ or -" };
          if (
            !(content instanceof Y.ContentAny) ||
            content.arr.length !== 1 ||
            !presetSchema.safeParse(content.arr[0]).success
          )
            return { ok: false, reason: `preset ${key} has a value outside the board model` };
          if (!presets.has(key) && !seenNewPresets.has(key)) {
            seenNewPresets.add(key);
            newPresets++;
          }
          break;
        }
        case "card": {
          const field = key === null ? undefined : CARD_FIELDS[key];
          if (!field) return { ok: false, reason: `cards have no field "${key}"` };
          if ("type" in field) {
            if (!(content instanceof Y.ContentType) || content.type.constructor !== field.type)
              return { ok: false, reason: `a card's ${key} must be a Y.${field.type === Y.Text ? "Text" : "Array"}` };
          } else if (!(content instanceof Y.ContentAny) || content.arr.length !== 1 || !field.check(content.arr[0])) {
            return { ok: false, reason: `a card's ${key} has a value outside the board model` };
          }
          break;
        }
        case "text": {
          if (!(content instanceof Y.ContentString))
            return { ok: false, reason: "card text may only hold characters (no formatting, embeds or types)" };
          if (!isWellFormedText(content.str)) return { ok: false, reason: "card text must be valid Unicode" };
          const g = textGrowth.get(container.holder) ?? { live: container.live, chars: 0 };
          g.chars += content.str.length;
          textGrowth.set(container.holder, g);
          break;
        }
        case "generations": {
          if (!(content instanceof Y.ContentAny) || !content.arr.every(isId))
            return { ok: false, reason: "a card's generations are ids" };
          const g = listGrowth.get(container.holder) ?? { live: container.live, items: 0 };
          g.items += content.arr.length;
          listGrowth.set(container.holder, g);
          break;
        }
      }
    }
  }
  if (newCards > 0 && cards.size + newCards > BOARD_HARD_LIMITS.cards) {
    return { ok: false, reason: `a board holds at most ${LIMITS.cardsPerBoardMax} cards` };
  }
  if (newPresets > 0 && presets.size + newPresets > BOARD_HARD_LIMITS.presets) {
    return { ok: false, reason: `a board keeps at most ${LIMITS.presetsPerBoardMax} presets` };
  }
  const deleted = deletedTextChars(doc, decoded.ds);
  for (const g of textGrowth.values()) {
    const after = (g.live?.length ?? 0) + g.chars - (g.live ? (deleted.get(g.live) ?? 0) : 0);
    if (after > BOARD_HARD_LIMITS.textChars) {
      return { ok: false, reason: `a card's text holds at most ${BOARD_HARD_LIMITS.textChars} characters` };
    }
  }
  for (const g of listGrowth.values()) {
    if ((g.live?.length ?? 0) + g.items > BOARD_HARD_LIMITS.generationsPerCard) {
      return { ok: false, reason: "a card lists too many generations" };
    }
  }
  return { ok: true };
}

/** Characters of live texts in the document that the update's delete set removes, per text. */
function deletedTextChars(doc: Y.Doc, ds: DeleteSet): Map<unknown, number> {
  const out = new Map<unknown, number>();
  for (const [client, ranges] of ds.clients) {
    const structs = doc.store.clients.get(client);
    if (!structs) continue;
    for (const { clock, len } of ranges) {
      const end = Math.min(clock + len, Y.getState(doc.store, client));
      if (clock >= end) continue;
      for (let i = Y.findIndexSS(structs, clock); i < structs.length; i++) {
        const s = structs[i]!;
        if (s.id.clock >= end) break;
        if (!(s instanceof Y.Item) || s.deleted || !s.countable || !(s.parent instanceof Y.Text)) continue;
        const overlap = Math.min(end, s.id.clock + s.length) - Math.max(clock, s.id.clock);
        out.set(s.parent, (out.get(s.parent) ?? 0) + overlap);
      }
    }
  }
  return out;
}
