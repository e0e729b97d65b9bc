import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { diffText, shiftCaret } from "./textDiff.ts";

describe("diffText", () => {
  it("finds an insertion, a deletion and a replacement", () => {
    expect(diffText("a cat", "a big cat")).toEqual({ index: 2, remove: 0, insert: "big " });
    expect(diffText("a big cat", "a cat")).toEqual({ index: 2, remove: 4, insert: "" });
    expect(diffText("a red cat", "a blue cat")).toEqual({ index: 2, remove: 3, insert: "blue" });
    expect(diffText("same", "same")).toBeNull();
  });

  it("uses the caret to place an insert inside a run of equal characters", () => {
    // Typing "a" at position 0 of "aa": without the hint the diff would say position 2.
    expect(diffText("aa", "aaa", 1)).toEqual({ index: 0, remove: 0, insert: "a" });
    expect(diffText("aa", "aaa")).toEqual({ index: 2, remove: 0, insert: "a" });
  });

  it("shifts a caret past a remote edit before it", () => {
    const edit = { index: 0, remove: 0, insert: "xx" };
    expect(shiftCaret(3, edit)).toBe(5);
    expect(shiftCaret(0, edit)).toBe(0);
    expect(shiftCaret(1, { index: 3, remove: 1, insert: "" })).toBe(1);
    expect(shiftCaret(6, { index: 2, remove: 3, insert: "z" })).toBe(4);
  });

  it("merges two typists' diffs through Yjs character by character", () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    const ta = a.getText("t");
    const tb = b.getText("t");
    ta.insert(0, "a cat");
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    const apply = (t: Y.Text, next: string) => {
      const e = diffText(t.toString(), next)!;
      t.delete(e.index, e.remove);
      t.insert(e.index, e.insert);
    };
    apply(ta, "a red cat");
    apply(tb, "a cat on a mat");
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(ta.toString()).toBe("a red cat on a mat");
    expect(tb.toString()).toBe(ta.toString());
  });
});
