import * as Y from "yjs";
import { z } from "zod";
import { type CardSettings, cardSettingsSchema, type Preset, presetSchema } from "./card-settings.ts";
import { LIMITS } from "./limits.ts";

/**
 * The Yjs board document: the only code that knows its keys. A board is a map of cards; each card is a
 * Y.Map whose prompt text is a Y.Text, so concurrent typing merges character by character. Beside the cards,
 * a map of saved prompt presets (plain JSON values, see card-settings.ts).
 */

export const CARD_KINDS = ["prompt", "note"] as const;
export type CardKind = (typeof CARD_KINDS)[number];

export const CARD_COLORS = ["yellow", "blue", "green", "pink", "purple", "orange", "grey", "white"] as const;
export type CardColor = (typeof CARD_COLORS)[number];

/**
 * Sizes in board units. A prompt card starts wide enough for two columns of candidates at 200 px each at
 * zoom 1: the images are the point of a prompt card.
 */
export const CARD_SIZE = {
  minW: 120,
  minH: 80,
  maxW: 2000,
  maxH: 2000,
  defaultW: 280,
  defaultH: 200,
  promptW: 440,
} as const;

/** The width a new card of this kind starts with. */
export function defaultCardWidth(kind: CardKind): number {
  return kind === "prompt" ? CARD_SIZE.promptW : CARD_SIZE.defaultW;
}
const COORD_LIMIT = 1_000_000;

const coord = z.number().finite().min(-COORD_LIMIT).max(COORD_LIMIT);

export const cardGeometrySchema = z.object({
  x: coord,
  y: coord,
  w: z.number().finite().min(CARD_SIZE.minW).max(CARD_SIZE.maxW),
  h: z.number().finite().min(CARD_SIZE.minH).max(CARD_SIZE.maxH),
});

export const cardPatchSchema = cardGeometrySchema
  .extend({
    color: z.enum(CARD_COLORS),
    pickCandidateId: z.string().max(64).nullable(),
  })
  .partial();

export const newCardSchema = cardGeometrySchema.partial({ w: true, h: true }).extend({
  id: z.string().min(1).max(64).optional(),
  kind: z.enum(CARD_KINDS),
  color: z.enum(CARD_COLORS).optional(),
  text: z.string().max(LIMITS.noteMaxChars).optional(),
  createdBy: z.string().max(64).optional(),
  settings: cardSettingsSchema.optional(),
});

export type CardPatch = z.infer<typeof cardPatchSchema>;
export type NewCard = z.input<typeof newCardSchema>;

/** A plain snapshot of a card, safe to render or send anywhere. */
export interface Card {
  id: string;
  kind: CardKind;
  x: number;
  y: number;
  w: number;
  h: number;
  color: CardColor;
  text: string;
  generationIds: string[];
  pickCandidateId: string | null;
  createdBy: string | null;
  createdAt: number;
  /** How this prompt card generates (the Generate settings it last used or was given); null: the model's defaults. */
  settings: CardSettings | null;
}

const CARDS = "cards";
const PRESETS = "presets";
const K = {
  id: "id",
  kind: "kind",
  x: "x",
  y: "y",
  w: "w",
  h: "h",
  color: "color",
  text: "text",
  generations: "generations",
  pick: "pickCandidateId",
  createdBy: "createdBy",
  createdAt: "createdAt",
  settings: "settings",
} as const;

type CardMap = Y.Map<unknown>;

export function cardsMap(doc: Y.Doc): Y.Map<CardMap> {
  return doc.getMap<CardMap>(CARDS);
}

export function presetsMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap<unknown>(PRESETS);
}

function newId(): string {
  return globalThis.crypto.randomUUID();
}

function requireCard(doc: Y.Doc, id: string): CardMap {
  const card = cardsMap(doc).get(id);
  if (!card) throw new Error(`Card ${id} is not on this board`);
  return card;
}

/** Adds a card in one transaction and returns its id. */
export function createCard(doc: Y.Doc, input: NewCard, origin?: unknown): string {
  const c = newCardSchema.parse(input);
  if (cardsMap(doc).size >= LIMITS.cardsPerBoardMax) {
    throw new Error(`A board holds at most ${LIMITS.cardsPerBoardMax} cards`);
  }
  const id = c.id ?? newId();
  doc.transact(() => {
    const card = new Y.Map<unknown>();
    card.set(K.id, id);
    card.set(K.kind, c.kind);
    card.set(K.x, c.x);
    card.set(K.y, c.y);
    card.set(K.w, c.w ?? defaultCardWidth(c.kind));
    card.set(K.h, c.h ?? CARD_SIZE.defaultH);
    card.set(K.color, c.color ?? (c.kind === "prompt" ? "white" : "yellow"));
    card.set(K.text, new Y.Text(c.text ?? ""));
    card.set(K.generations, new Y.Array<string>());
    card.set(K.pick, null);
    card.set(K.createdBy, c.createdBy ?? null);
    card.set(K.createdAt, Date.now());
    if (c.settings) card.set(K.settings, c.settings);
    cardsMap(doc).set(id, card);
  }, origin);
  return id;
}

export function updateCard(doc: Y.Doc, id: string, patch: CardPatch, origin?: unknown): void {
  const p = cardPatchSchema.parse(patch);
  const card = requireCard(doc, id);
  doc.transact(() => {
    for (const [key, value] of Object.entries(p)) {
      if (value !== undefined) card.set(key, value);
    }
  }, origin);
}

export function deleteCard(doc: Y.Doc, id: string, origin?: unknown): void {
  doc.transact(() => cardsMap(doc).delete(id), origin);
}

/** Copies a card (text and geometry, not its generations) next to the original. */
export function duplicateCard(doc: Y.Doc, id: string, origin?: unknown, offset = 24): string {
  const src = readCard(doc, id);
  if (!src) throw new Error(`Card ${id} is not on this board`);
  return createCard(
    doc,
    {
      kind: src.kind,
      x: src.x + offset,
      y: src.y + offset,
      w: src.w,
      h: src.h,
      color: src.color,
      text: src.text,
      ...(src.settings ? { settings: src.settings } : {}),
    },
    origin,
  );
}

/** The live Y.Text of a card's prompt or note, for binding to an editor. */
export function cardText(doc: Y.Doc, id: string): Y.Text {
  const text = requireCard(doc, id).get(K.text);
  if (!(text instanceof Y.Text)) throw new Error(`Card ${id} has no text`);
  return text;
}

export function addGeneration(doc: Y.Doc, cardId: string, generationId: string, origin?: unknown): void {
  const gens = requireCard(doc, cardId).get(K.generations);
  if (!(gens instanceof Y.Array)) throw new Error(`Card ${cardId} has no generation list`);
  doc.transact(() => {
    if (!gens.toArray().includes(generationId)) gens.push([generationId]);
  }, origin);
}

function num(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], fallback: T): T {
  return typeof v === "string" && (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
}

/** Reads a card defensively: a document edited by an old or hostile client still renders. */
export function readCard(doc: Y.Doc, id: string): Card | null {
  const card = cardsMap(doc).get(id);
  if (!(card instanceof Y.Map)) return null;
  const text = card.get(K.text);
  const gens = card.get(K.generations);
  const pick = card.get(K.pick);
  const createdBy = card.get(K.createdBy);
  const settings = cardSettingsSchema.safeParse(card.get(K.settings));
  return {
    id,
    kind: oneOf(card.get(K.kind), CARD_KINDS, "note"),
    x: num(card.get(K.x), 0),
    y: num(card.get(K.y), 0),
    w: num(card.get(K.w), CARD_SIZE.defaultW),
    h: num(card.get(K.h), CARD_SIZE.defaultH),
    color: oneOf(card.get(K.color), CARD_COLORS, "white"),
    text: text instanceof Y.Text ? text.toString() : "",
    generationIds: gens instanceof Y.Array ? gens.toArray().filter((g): g is string => typeof g === "string") : [],
    pickCandidateId: typeof pick === "string" ? pick : null,
    createdBy: typeof createdBy === "string" ? createdBy : null,
    createdAt: num(card.get(K.createdAt), 0),
    settings: settings.success ? settings.data : null,
  };
}

export function listCards(doc: Y.Doc): Card[] {
  const out: Card[] = [];
  for (const id of cardsMap(doc).keys()) {
    const c = readCard(doc, id);
    if (c) out.push(c);
  }
  return out.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

/**
 * Calls `fn` whenever any card changes (deep), with the ids that changed. Returns the unsubscribe.
 */
export function observeCards(doc: Y.Doc, fn: (changedIds: Set<string>, tx: Y.Transaction) => void): () => void {
  const map = cardsMap(doc);
  const handler = (events: Y.YEvent<Y.AbstractType<unknown>>[], tx: Y.Transaction) => {
    const ids = new Set<string>();
    for (const e of events) {
      if (e.target === map) {
        for (const key of e.changes.keys.keys()) ids.add(key);
      } else {
        const first = e.path[0];
        if (typeof first === "string") ids.add(first);
        else if (e.target instanceof Y.Map && typeof e.target.get(K.id) === "string")
          ids.add(e.target.get(K.id) as string);
      }
    }
    fn(ids, tx);
  };
  map.observeDeep(handler);
  return () => map.unobserveDeep(handler);
}

/** Stores the Generate settings a prompt card uses from now on. */
export function setCardSettings(doc: Y.Doc, id: string, settings: CardSettings, origin?: unknown): void {
  const value = cardSettingsSchema.parse(settings);
  const card = requireCard(doc, id);
  doc.transact(() => card.set(K.settings, value), origin);
}

/**
 * Puts a prompt and its settings on a card as one change (one undo step for the person who did it): from
 * the board's prompt history or a preset.
 */
export function restoreOnCard(
  doc: Y.Doc,
  id: string,
  input: { prompt: string; settings: CardSettings },
  origin?: unknown,
): void {
  const value = cardSettingsSchema.parse(input.settings);
  const prompt = z.string().max(LIMITS.promptMaxChars).parse(input.prompt);
  const card = requireCard(doc, id);
  const text = cardText(doc, id);
  doc.transact(() => {
    if (text.toString() !== prompt) {
      text.delete(0, text.length);
      text.insert(0, prompt);
    }
    card.set(K.settings, value);
  }, origin);
}

/** Saves a named preset for everyone on the board; returns its id. */
export function savePreset(
  doc: Y.Doc,
  input: { name: string; prompt: string; settings: CardSettings; createdBy?: string | null },
  origin?: unknown,
): string {
  const value = presetSchema.parse({ ...input, createdBy: input.createdBy ?? null, createdAt: Date.now() });
  const presets = presetsMap(doc);
  if (presets.size >= LIMITS.presetsPerBoardMax) {
    throw new Error(`A board keeps at most ${LIMITS.presetsPerBoardMax} presets: delete one first.`);
  }
  const id = newId();
  doc.transact(() => presets.set(id, value), origin);
  return id;
}

export function deletePreset(doc: Y.Doc, id: string, origin?: unknown): void {
  doc.transact(() => presetsMap(doc).delete(id), origin);
}

/** The board's presets, oldest first; values outside the model are skipped. */
export function listPresets(doc: Y.Doc): Preset[] {
  const out: Preset[] = [];
  for (const [id, v] of presetsMap(doc).entries()) {
    const p = presetSchema.safeParse(v);
    if (p.success) out.push({ ...p.data, id });
  }
  return out.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

export function observePresets(doc: Y.Doc, fn: () => void): () => void {
  const map = presetsMap(doc);
  const handler = () => fn();
  map.observe(handler);
  return () => map.unobserve(handler);
}

/** The types a per-user Y.UndoManager should track on a board. */
export function undoScope(doc: Y.Doc): Y.AbstractType<unknown>[] {
  return [cardsMap(doc) as unknown as Y.AbstractType<unknown>, presetsMap(doc) as unknown as Y.AbstractType<unknown>];
}
