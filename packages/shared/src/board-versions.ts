import * as Y from "yjs";
import { z } from "zod";
import { cardsMap, presetsMap } from "./board.ts";
import { LIMITS } from "./limits.ts";
import { BROKEN_TEXT_MESSAGE, blankControlChars, isWellFormedText } from "./text.ts";

/**
 * Board versions (issue 18 item 4): a version is the whole Yjs state of a board at one moment
 * (`Y.encodeStateAsUpdate`), stored by the server. Restoring one makes the live board equal to it in ONE
 * transaction on the live document, so every client receives it as one change, concurrent edits to other
 * parts still merge, and the board's identity (its cards' Y types, so open editors and undo stacks) survives
 * wherever a card still exists.
 */

export const versionNameSchema = z
  .string({ error: "A version's name must be text" })
  .refine(isWellFormedText, BROKEN_TEXT_MESSAGE)
  .transform((s) => blankControlChars(s).normalize("NFC").trim())
  .pipe(
    z
      .string()
      .min(1, "Name the version first: the name is empty.")
      .max(LIMITS.versionNameMaxChars, `Version names are limited to ${LIMITS.versionNameMaxChars} characters.`),
  );

/** A version's state as a document of its own, to browse or to restore from. */
export function versionDoc(state: Uint8Array): Y.Doc {
  const doc = new Y.Doc({ gc: true });
  Y.applyUpdate(doc, state);
  return doc;
}

/** What a version holds, for its line in the list. */
export function boardStats(doc: Y.Doc): { cards: number; presets: number } {
  return { cards: cardsMap(doc).size, presets: presetsMap(doc).size };
}

export interface RestoreSummary {
  added: number;
  removed: number;
  changed: number;
}

/**
 * Makes `doc`'s cards and presets equal to `past`'s as one transaction. Cards that exist in both are edited
 * in place (a changed prompt is rewritten between its common prefix and suffix), cards only in the past are
 * copied in, cards only in the present are deleted.
 */
export function restoreBoard(doc: Y.Doc, past: Y.Doc, origin?: unknown): RestoreSummary {
  const summary: RestoreSummary = { added: 0, removed: 0, changed: 0 };
  doc.transact(() => {
    const live = cardsMap(doc);
    const then = cardsMap(past);
    for (const id of [...live.keys()]) {
      if (!then.has(id)) {
        live.delete(id);
        summary.removed++;
      }
    }
    for (const [id, card] of then.entries()) {
      if (!(card instanceof Y.Map)) continue;
      const current = live.get(id);
      if (current instanceof Y.Map) {
        if (syncMap(current, card)) summary.changed++;
      } else {
        live.set(id, copyMap(card));
        summary.added++;
      }
    }
    const presets = presetsMap(doc);
    const oldPresets = presetsMap(past);
    for (const id of [...presets.keys()]) if (!oldPresets.has(id)) presets.delete(id);
    for (const [id, value] of oldPresets.entries()) {
      if (!sameValue(presets.get(id), value)) presets.set(id, plain(value));
    }
  }, origin);
  return summary;
}

/** Edits `live` in place to hold what `then` holds; true when anything changed. */
function syncMap(live: Y.Map<unknown>, then: Y.Map<unknown>): boolean {
  let changed = false;
  for (const key of [...live.keys()]) {
    if (!then.has(key)) {
      live.delete(key);
      changed = true;
    }
  }
  for (const [key, value] of then.entries()) {
    const current = live.get(key);
    if (value instanceof Y.Text) {
      if (current instanceof Y.Text) {
        changed = rewriteText(current, value.toString()) || changed;
      } else {
        live.set(key, new Y.Text(value.toString()));
        changed = true;
      }
    } else if (value instanceof Y.Array) {
      const items = value.toArray();
      if (current instanceof Y.Array) {
        if (!sameValue(current.toArray(), items)) {
          current.delete(0, current.length);
          current.push(items.map(plain));
          changed = true;
        }
      } else {
        live.set(key, copyArray(value));
        changed = true;
      }
    } else if (value instanceof Y.Map) {
      if (current instanceof Y.Map) changed = syncMap(current, value) || changed;
      else {
        live.set(key, copyMap(value));
        changed = true;
      }
    } else if (!sameValue(current, value)) {
      live.set(key, plain(value));
      changed = true;
    }
  }
  return changed;
}

/** Replaces only the middle that differs: a collaborator's cursor before or after it stays where it was. */
function rewriteText(text: Y.Text, target: string): boolean {
  const now = text.toString();
  if (now === target) return false;
  let start = 0;
  while (start < now.length && start < target.length && now[start] === target[start]) start++;
  let end = 0;
  while (
    end < now.length - start &&
    end < target.length - start &&
    now[now.length - 1 - end] === target[target.length - 1 - end]
  ) {
    end++;
  }
  text.delete(start, now.length - start - end);
  text.insert(start, target.slice(start, target.length - end));
  return true;
}

function copyMap(src: Y.Map<unknown>): Y.Map<unknown> {
  const out = new Y.Map<unknown>();
  for (const [key, value] of src.entries()) out.set(key, copyValue(value));
  return out;
}

function copyArray(src: Y.Array<unknown>): Y.Array<unknown> {
  const out = new Y.Array<unknown>();
  out.push(src.toArray().map(copyValue));
  return out;
}

function copyValue(value: unknown): unknown {
  if (value instanceof Y.Text) return new Y.Text(value.toString());
  if (value instanceof Y.Array) return copyArray(value);
  if (value instanceof Y.Map) return copyMap(value);
  return plain(value);
}

/** A JSON value detached from the other document (Yjs hands out its stored objects). */
function plain(value: unknown): unknown {
  if (value instanceof Y.AbstractType) return value.toJSON();
  return value === undefined ? undefined : structuredClone(value);
}

function sameValue(a: unknown, b: unknown): boolean {
  const ja = a instanceof Y.AbstractType ? a.toJSON() : a;
  const jb = b instanceof Y.AbstractType ? b.toJSON() : b;
  return JSON.stringify(ja) === JSON.stringify(jb);
}

/** The board's content as plain JSON (cards and presets), to compare two documents. */
export function boardContent(doc: Y.Doc): { cards: unknown; presets: unknown } {
  return { cards: cardsMap(doc).toJSON(), presets: presetsMap(doc).toJSON() };
}
