import { describe, expect, it } from "vitest";
import { LIMITS } from "./limits.ts";
import {
  float32FromBase64,
  float32ToBase64,
  searchLimitSchema,
  searchTagsSchema,
  searchTextSchema,
  type TagWord,
  tagsNamedIn,
} from "./search.ts";

const words: TagWord[] = [
  { label: "red", kind: "colour", captions: ["a red sticker"], aliases: ["红色"] },
  { label: "blue", kind: "colour", captions: ["a blue sticker"], aliases: ["蓝色"] },
  { label: "red apple", kind: "concept", captions: ["a red apple"], aliases: ["红苹果"] },
  { label: "rocket", kind: "concept", captions: ["a rocket"], aliases: ["火箭"] },
  { label: "left", kind: "position", captions: ["in the left"], aliases: ["左边"] },
  { label: "top left", kind: "position", captions: ["in the top left"], aliases: ["左上角"] },
];

describe("tagsNamedIn", () => {
  it("finds whole words in any case, plurals too", () => {
    expect(tagsNamedIn("Something RED", words)).toEqual(["red"]);
    expect(tagsNamedIn("two rockets", words)).toEqual(["rocket"]);
    expect(tagsNamedIn("bored", words)).toEqual([]);
    expect(tagsNamedIn("redo", words)).toEqual([]);
  });

  it("prefers the longer name over the names inside it", () => {
    expect(tagsNamedIn("a red apple in the top left", words)).toEqual(["red apple", "top left"]);
    expect(tagsNamedIn("red rocket on the left", words)).toEqual(["red", "rocket", "left"]);
  });

  it("finds Chinese names inside Chinese text (no spaces there)", () => {
    expect(tagsNamedIn("一个蓝色的火箭在左上角", words)).toEqual(["blue", "rocket", "top left"]);
  });
});

describe("search arguments", () => {
  it("trims text, allows empty text, bounds it and refuses broken characters", () => {
    expect(searchTextSchema.parse("  蓝色  ")).toBe("蓝色");
    expect(searchTextSchema.parse("")).toBe("");
    expect(searchTextSchema.safeParse("x".repeat(LIMITS.searchQueryMaxChars + 1)).success).toBe(false);
    expect(searchTextSchema.safeParse("red \ud800").success).toBe(false);
  });

  it("bounds limits and tags", () => {
    expect(searchLimitSchema.safeParse(0).success).toBe(false);
    expect(searchLimitSchema.safeParse(LIMITS.searchResultsMax + 1).success).toBe(false);
    expect(searchLimitSchema.safeParse(2.5).success).toBe(false);
    expect(searchTagsSchema.parse([" Red "])).toEqual(["red"]);
    expect(searchTagsSchema.safeParse([""]).success).toBe(false);
    expect(searchTagsSchema.safeParse(Array(LIMITS.searchTagsMax + 1).fill("red")).success).toBe(false);
  });
});

describe("embeddings in base64", () => {
  it("round-trip float32 values bit for bit", () => {
    const v = Float32Array.from([0.1, -0.25, 1 / 3, 1e-30, -0]);
    const back = float32FromBase64(float32ToBase64(v));
    expect(Array.from(back)).toEqual(Array.from(v));
    expect(float32ToBase64(Float32Array.from([1]))).toBe("AACAPw==");
    expect(() => float32FromBase64("AAA=")).toThrow(/whole number/);
  });
});
