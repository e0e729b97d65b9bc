import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { undoStep } from "./undoStep.ts";

function setup() {
  const doc = new Y.Doc();
  const map = doc.getMap<number>("cards");
  const origin = { user: "me" };
  // A long capture window: without undoStep every change below would merge into one step.
  const undo = new Y.UndoManager(map, { trackedOrigins: new Set([origin]), captureTimeout: 60_000 });
  return { doc, map, origin, undo };
}

describe("undoStep", () => {
  it("makes quick discrete edits separate undo steps", () => {
    const { doc, map, origin, undo } = setup();
    undoStep(doc, undo, origin, () => map.set("a", 1));
    undoStep(doc, undo, origin, () => map.set("b", 2));
    undoStep(doc, undo, origin, () => map.delete("b"));
    expect(undo.undoStack).toHaveLength(3);
    undo.undo();
    expect(map.get("b")).toBe(2);
    undo.undo();
    expect(map.has("b")).toBe(false);
    expect(map.get("a")).toBe(1);
  });

  it("keeps the next ordinary edit out of the step, and returns fn's value", () => {
    const { doc, map, origin, undo } = setup();
    const v = undoStep(doc, undo, origin, () => {
      map.set("a", 1);
      return "made";
    });
    expect(v).toBe("made");
    doc.transact(() => map.set("a", 5), origin);
    undo.undo();
    expect(map.get("a")).toBe(1);
  });
});
