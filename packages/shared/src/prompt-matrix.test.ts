import { describe, expect, it } from "vitest";
import { isPromptMatrix, parsePromptMatrix } from "./prompt-matrix.ts";

const matrix = (p: string) => {
  const r = parsePromptMatrix(p);
  if (!r.ok || !r.matrix) throw new Error(`not a matrix: ${JSON.stringify(r)}`);
  return r.matrix;
};

describe("parsePromptMatrix", () => {
  it("expands every combination, the last group along the columns", () => {
    const m = matrix("a {red|blue} {cat|rocket} in the {top left|centre}");
    expect(m.cells).toHaveLength(8);
    expect([m.rows, m.cols]).toEqual([4, 2]);
    expect(m.colLabels).toEqual(["top left", "centre"]);
    expect(m.rowLabels).toEqual(["red · cat", "red · rocket", "blue · cat", "blue · rocket"]);
    expect(m.cells[0]).toEqual({ prompt: "a red cat in the top left", choice: [0, 0, 0], row: 0, col: 0 });
    expect(m.cells[7]).toEqual({ prompt: "a blue rocket in the centre", choice: [1, 1, 1], row: 3, col: 1 });
    expect(new Set(m.cells.map((c) => c.prompt)).size).toBe(8);
  });

  it("makes a 2×2 grid with row and column labels, and one row for one group", () => {
    const m = matrix("a {red|blue} {apple|banana}");
    expect(m.cells.map((c) => c.prompt)).toEqual(["a red apple", "a red banana", "a blue apple", "a blue banana"]);
    expect(m.rowLabels).toEqual(["red", "blue"]);
    const one = matrix("a {cat|dog|fox}");
    expect([one.rows, one.cols, one.rowLabels]).toEqual([1, 3, [""]]);
  });

  it("allows an empty alternative (with or without a word) and tidies spaces", () => {
    const m = matrix("a {|big} cat");
    expect(m.cells.map((c) => c.prompt)).toEqual(["a cat", "a big cat"]);
    expect(m.colLabels).toEqual(["(none)", "big"]);
  });

  it("is not a matrix without alternatives", () => {
    expect(parsePromptMatrix("a red cat")).toEqual({ ok: true, matrix: null });
    expect(parsePromptMatrix("a {red} cat")).toEqual({ ok: true, matrix: null });
    expect(isPromptMatrix("a {red|blue} cat")).toBe(true);
    expect(isPromptMatrix("a {red} cat")).toBe(false);
  });

  it("refuses too many combinations, nested or unpaired braces, and repeats, saying what to change", () => {
    const big = parsePromptMatrix("{a|b|c|d|e} {f|g|h|i}");
    expect(big).toEqual({
      ok: false,
      message: "That makes 20 combinations (5 × 4); a matrix has at most 16. Remove some alternatives.",
    });
    expect(parsePromptMatrix("a {red|{blue|green}} cat")).toMatchObject({ ok: false, message: /one level deep/ });
    expect(parsePromptMatrix("a {red|blue cat")).toMatchObject({ ok: false, message: /no closing/ });
    expect(parsePromptMatrix("a red|blue} cat")).toMatchObject({ ok: false, message: /don't pair up/ });
    expect(parsePromptMatrix("a {red|red} cat")).toMatchObject({ ok: false, message: /repeats/ });
    expect(parsePromptMatrix("{a|b} {c|d} {e|f} {g|h} {i|j}")).toMatchObject({
      ok: false,
      message: /at most 4 groups/,
    });
  });
});
