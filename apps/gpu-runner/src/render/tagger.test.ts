import type { BundleConceptList } from "@tessera/shared";
import { describe, expect, it } from "vitest";
import { pickTags, type ScoredTag, scoreTags, type TagIndex, tagWordsOf } from "./tagger.ts";

const concepts: BundleConceptList = {
  spriteSize: 32,
  spriteColumns: 32,
  colours: ["red", "blue"],
  backgrounds: ["white"],
  concepts: [
    {
      index: 0,
      key: "red-apple",
      label: "Red Apple",
      zh: "红苹果",
      emoji: "🍎",
      group: "food",
      synonyms: ["apple"],
      zhSynonyms: [],
    },
  ],
};

describe("tagWordsOf", () => {
  it("tags concepts, colours and the lab's nine positions, each with a caption in the lab's grammar", () => {
    const words = tagWordsOf(concepts);
    expect(words.slice(0, 3)).toEqual([
      { label: "red apple", kind: "concept", captions: ["a Red Apple"], aliases: ["apple", "红苹果"] },
      { label: "red", kind: "colour", captions: ["a red sticker", "a red Red Apple"], aliases: ["红色"] },
      { label: "blue", kind: "colour", captions: ["a blue sticker", "a blue Red Apple"], aliases: ["蓝色"] },
    ]);
    expect(words.filter((w) => w.kind === "position")).toHaveLength(9);
    expect(words.find((w) => w.label === "top left")).toMatchObject({ captions: ["in the top left"] });
  });

  it("gives a bundle without a concept list no tags", () => {
    expect(tagWordsOf(null)).toEqual([]);
  });
});

describe("scoreTags", () => {
  it("is each word's dot product with the image embedding", () => {
    const index: TagIndex = {
      words: tagWordsOf(concepts).slice(0, 2),
      dim: 2,
      matrix: Float32Array.from([1, 0, 0.6, 0.8]),
    };
    const scored = scoreTags(index, [0.8, 0.6]);
    expect(scored.map((s) => s.label)).toEqual(["red apple", "red"]);
    expect(scored[0]!.score).toBeCloseTo(0.8);
    expect(scored[1]!.score).toBeCloseTo(0.96);
  });
});

describe("pickTags", () => {
  const s = (label: string, kind: ScoredTag["kind"], score: number): ScoredTag => ({ label, kind, score });

  it("keeps up to three close concepts best first, then the colour, then a clear position", () => {
    const tags = pickTags([
      s("lantern", "concept", 0.7),
      s("red apple", "concept", 0.75),
      s("envelope", "concept", 0.72),
      s("cherries", "concept", 0.69),
      s("cat", "concept", 0.4),
      s("blue", "colour", 0.3),
      s("red", "colour", 0.71),
      s("top left", "position", 0.42),
      s("top", "position", 0.2),
    ]);
    expect(tags).toEqual(["red apple", "envelope", "lantern", "red", "top left"]);
  });

  it("drops concepts far behind the best, and weak or ambiguous colours and positions", () => {
    const tags = pickTags([
      s("file cabinet", "concept", 0.74),
      s("grapes", "concept", 0.6),
      s("blue", "colour", 0.45),
      s("bottom", "position", 0.33),
      s("bottom left", "position", 0.31),
    ]);
    expect(tags).toEqual(["file cabinet"]);
  });

  it("gives nothing when CLIP is unsure of everything", () => {
    expect(pickTags([s("cat", "concept", 0.3), s("red", "colour", 0.2), s("top", "position", 0.1)])).toEqual([]);
  });
});
