import { describe, expect, it } from "vitest";
import { isKnownWord, promptWords } from "./prompt-words.ts";

describe("promptWords", () => {
  it("splits Latin words at hyphens, keeps offsets into the original prompt", () => {
    const w = promptWords("A top-left  Cat!");
    expect(w.map((x) => x.text)).toEqual(["A", "top-left", "Cat"]);
    expect(w.map((x) => x.parts)).toEqual([["a"], ["top", "left"], ["cat"]]);
    expect(w[2]).toMatchObject({ start: 12, end: 15 });
  });

  it("takes every CJK character and every emoji on its own", () => {
    expect(promptWords("一只猫🐱在").map((x) => x.text)).toEqual(["一", "只", "猫", "🐱", "在"]);
  });

  it("folds full-width letters and curly apostrophes the way the lab's vocabulary does", () => {
    expect(promptWords("ＣＡＴ woman’s").map((x) => x.parts)).toEqual([["cat"], ["woman's"]]);
  });

  it("knows a word only if every piece is known", () => {
    const vocab = new Set(["top", "left", "猫"]);
    const [a, b, c] = promptWords("top-left top-middle 猫");
    expect(isKnownWord(a!, vocab)).toBe(true);
    expect(isKnownWord(b!, vocab)).toBe(false);
    expect(isKnownWord(c!, vocab)).toBe(true);
  });
});
