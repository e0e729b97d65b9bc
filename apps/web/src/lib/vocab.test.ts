import { describe, expect, it } from "vitest";
import { splitWords, suggest } from "./vocab.ts";

describe("vocabulary", () => {
  const vocab = ["a", "red", "circle", "square", "blue", "on", "green", "[UNK]"];
  it("marks words the model doesn't know, case-insensitively, with their positions", () => {
    const spans = splitWords("A red circel", new Set(vocab));
    expect(spans.map((s) => [s.word, s.known])).toEqual([
      ["A", true],
      ["red", true],
      ["circel", false],
    ]);
    expect(spans[2]).toMatchObject({ start: 6, end: 12 });
  });

  it("suggests the nearest known words and never special tokens", () => {
    expect(suggest("circel", vocab)[0]).toBe("circle");
    expect(suggest("squar", vocab)).toContain("square");
    expect(suggest("unk", vocab)).not.toContain("[UNK]");
  });
});
