import { describe, expect, it } from "vitest";
import { type ConceptName, splitWords, suggest } from "./vocab.ts";

const concept = (index: number, label: string, zh: string, emoji: string, synonyms: string[] = []): ConceptName => ({
  index,
  label,
  zh,
  emoji,
  synonyms,
  zhSynonyms: [],
});
const concepts = [
  concept(0, "cat", "猫", "🐈️", ["kitty"]),
  concept(1, "dog", "狗", "🐕️"),
  concept(2, "racing car", "赛车", "🏎️"),
  concept(3, "car", "汽车", "🚗"),
  concept(4, "circle", "圆形", "🔴"),
  concept(5, "rabbit", "兔子", "🐇", ["bunny"]),
];

describe("vocabulary", () => {
  it("marks words the model never saw, case-insensitively, with their positions", () => {
    const spans = splitWords("A red circel", new Set(["a", "red", "circle"]));
    expect(spans.map((s) => [s.word, s.known])).toEqual([
      ["A", true],
      ["red", true],
      ["circel", false],
    ]);
    expect(spans[2]).toMatchObject({ start: 6, end: 12 });
  });

  it("checks Chinese character by character and hyphenated words piece by piece", () => {
    const spans = splitWords("猫猿 top-lft", new Set(["猫", "top", "left"]));
    expect(spans.map((s) => [s.word, s.known])).toEqual([
      ["猫", true],
      ["猿", false],
      ["top-lft", false],
    ]);
  });
});

describe("suggest", () => {
  it("suggests concepts by spelling, forgiving plurals, never a short function word", () => {
    expect(suggest("circel", concepts)[0]).toBe("circle");
    expect(suggest("cats", concepts)[0]).toBe("cat");
    expect(suggest("kity", concepts)).toEqual(["cat"]);
    expect(suggest("cst", concepts)).toEqual(["cat"]);
    expect(suggest("rabit", concepts)).toEqual(["rabbit"]);
    expect(suggest("xylophone", concepts)).toEqual([]);
  });

  it("prefers a whole name to one word of a longer name", () => {
    expect(suggest("cars", concepts)[0]).toBe("car");
  });

  it("names the concept of an emoji and the concepts holding a Chinese character", () => {
    expect(suggest("🐈", concepts)).toEqual(["cat"]);
    expect(suggest("兔", concepts)).toEqual(["兔子"]);
  });
});
