import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  addGeneration,
  cardText,
  createCard,
  deleteCard,
  duplicateCard,
  listCards,
  observeCards,
  readCard,
  undoScope,
  updateCard,
} from "./board.ts";

function sync(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

describe("board document", () => {
  it("round-trips a card through create, update, read and an encoded update", () => {
    const doc = new Y.Doc();
    const id = createCard(doc, { kind: "prompt", x: 10, y: 20, text: "a red star", createdBy: "u1" });
    updateCard(doc, id, { x: 50, color: "blue" });
    addGeneration(doc, id, "g1");
    addGeneration(doc, id, "g1");

    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
    const card = readCard(copy, id);
    expect(card).toMatchObject({
      id,
      kind: "prompt",
      x: 50,
      y: 20,
      w: 440, // a prompt card starts wide enough for two columns of candidates
      color: "blue",
      text: "a red star",
      generationIds: ["g1"],
      createdBy: "u1",
    });
  });

  it("merges two concurrent edits to the same prompt character by character", () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    const id = createCard(a, { kind: "prompt", x: 0, y: 0, text: "a star" });
    sync(a, b);
    cardText(a, id).insert(2, "red ");
    cardText(b, id).insert(6, " in the top left");
    updateCard(a, id, { x: 100 });
    updateCard(b, id, { y: 200 });
    sync(a, b);
    expect(readCard(a, id)?.text).toBe("a red star in the top left");
    expect(readCard(a, id)).toEqual(readCard(b, id));
    expect(readCard(b, id)).toMatchObject({ x: 100, y: 200 });
  });

  it("rejects invalid geometry and colours with readable errors", () => {
    const doc = new Y.Doc();
    const id = createCard(doc, { kind: "note", x: 0, y: 0 });
    // zod's messages name the field and the rule a person broke.
    expect(() => updateCard(doc, id, { w: 5 })).toThrow(/w[\s\S]*(>=|at least|too small)[\s\S]*120/i);
    expect(() => updateCard(doc, id, { x: Number.NaN })).toThrow(/x[\s\S]*(number|NaN)/i);
    expect(() => updateCard(doc, id, { color: "chartreuse" as never })).toThrow(/color[\s\S]*(yellow|option)/i);
    expect(() => updateCard(doc, "missing", { x: 1 })).toThrow(/not on this board/);
  });

  it("reads a card written by a hostile client without throwing", () => {
    const doc = new Y.Doc();
    const evil = new Y.Map<unknown>();
    doc.getMap("cards").set("evil", evil);
    evil.set("x", "not a number");
    evil.set("kind", "rocket");
    expect(readCard(doc, "evil")).toMatchObject({ x: 0, kind: "note", text: "", generationIds: [] });
  });

  it("lists, duplicates, deletes and reports changed ids", () => {
    const doc = new Y.Doc();
    const seen: string[][] = [];
    const stop = observeCards(doc, (ids) => seen.push([...ids]));
    const id = createCard(doc, { kind: "prompt", x: 0, y: 0, text: "blue ring" });
    const copy = duplicateCard(doc, id);
    cardText(doc, id).insert(0, "a ");
    deleteCard(doc, copy);
    stop();
    expect(listCards(doc).map((c) => c.id)).toEqual([id]);
    expect(seen).toEqual([[id], [copy], [id], [copy]]);
  });

  it("undo with a tracked origin never undoes another user's edit", () => {
    const doc = new Y.Doc();
    const id = createCard(doc, { kind: "prompt", x: 0, y: 0, text: "star" });
    const mine = { user: "a" };
    const undo = new Y.UndoManager(undoScope(doc), { trackedOrigins: new Set([mine]) });
    doc.transact(() => cardText(doc, id).insert(0, "red "), mine);
    doc.transact(() => cardText(doc, id).insert(cardText(doc, id).length, " top left"), { user: "b" });
    undo.undo();
    expect(readCard(doc, id)?.text).toBe("star top left");
  });
});
