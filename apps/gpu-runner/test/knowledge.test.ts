import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Runner } from "../src/runner.ts";
import { BUNDLE_DIR } from "./helpers.ts";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

// What the bundle says it knows (concepts.json, concepts.png, vocabulary.json), as the web gets it.
describe("what the model knows", () => {
  let runner: Runner;
  beforeAll(async () => {
    runner = await Runner.create({ modelDir: BUNDLE_DIR, previewEveryRows: 0 });
  });
  afterAll(() => runner?.close());

  it("lists its concepts with English and Chinese names and ships their sprite sheet", (ctx) => {
    const m = runner.model();
    if (m.concepts.length === 0) return ctx.skip(); // an older bundle without a concept list
    expect(m.concepts.length).toBeGreaterThanOrEqual(400);
    const cat = m.concepts.find((c) => c.label === "cat");
    expect(cat).toMatchObject({ zh: "猫" });
    expect(m.concepts.every((c, i) => c.index === i && c.label.length > 0)).toBe(true);
    const sprites = runner.conceptSprites()!;
    expect([...sprites.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(m.conceptSpriteSize).toBeGreaterThan(0);
    expect(m.conceptSpriteColumns).toBeGreaterThan(0);
  });

  it("reports only words the model never saw: known English, Chinese characters; not emoji or new words", (ctx) => {
    if (runner.model().concepts.length === 0) return ctx.skip();
    expect(runner.tokenize("a cat in the top left").unknownWords).toEqual([]);
    expect(runner.tokenize("一只猫在左上角").unknownWords).toEqual([]);
    expect(runner.tokenize("a Zorblax 🐱 on the top-left").unknownWords).toEqual(["Zorblax", "🐱"]);
    // Subword tokens never become [UNK]: an unknown word still reaches the model as its pieces.
    expect(runner.tokenize("zorblax").ids).not.toContain(runner.bundleManifest().text.specialTokens.unk);
  });
});
