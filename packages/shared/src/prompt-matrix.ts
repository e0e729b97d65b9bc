import { LIMITS } from "./limits.ts";

/**
 * Prompt matrices (issue 17 item 4): `a {red|blue} {cat|rocket} in the {top left|centre}` holds alternatives
 * in braces; every combination is one cell, generated together and laid out as a labelled grid. The last
 * group of alternatives runs along the columns, the others (combined) down the rows.
 */
export interface PromptMatrix {
  /** Each group's alternatives, in the order they appear. */
  axes: string[][];
  /** Every combination, row-major over the axes (the last axis changes fastest). */
  cells: MatrixCell[];
  rows: number;
  cols: number;
  /** Row and column labels ("red · cat", "top left"). */
  rowLabels: string[];
  colLabels: string[];
}

export interface MatrixCell {
  prompt: string;
  /** Which alternative of each axis. */
  choice: number[];
  row: number;
  col: number;
}

export type MatrixParse = { ok: true; matrix: PromptMatrix | null } | { ok: false; message: string };

const GROUP = /\{([^{}]*)\}/g;

/** True when the prompt has at least one `{a|b}` group (and so is a matrix, not a plain prompt). */
export function isPromptMatrix(prompt: string): boolean {
  return /\{[^{}]*\|[^{}]*\}/.test(prompt);
}

/**
 * Expands a matrix prompt; `matrix: null` for a prompt with no alternatives. Refused, with a message a person
 * can act on: unbalanced or nested braces, an empty group, too many combinations or groups.
 */
export function parsePromptMatrix(prompt: string): MatrixParse {
  let depth = 0;
  for (const ch of prompt) {
    if (ch === "{") depth++;
    if (ch === "}") depth--;
    if (depth < 0 || depth > 1) {
      return { ok: false, message: "Braces don't pair up: write alternatives as {red|blue}, one level deep." };
    }
  }
  if (depth !== 0) return { ok: false, message: "A { has no closing }: write alternatives as {red|blue}." };
  const axes: string[][] = [];
  const pieces: string[] = [];
  let last = 0;
  for (const m of prompt.matchAll(GROUP)) {
    const options = m[1]!.split("|").map((o) => o.trim());
    if (options.length < 2) continue; // "{x}" is plain text, not a choice
    if (options.every((o) => o === "")) return { ok: false, message: "A group {|} needs at least one word." };
    if (new Set(options).size !== options.length) {
      return { ok: false, message: `The group {${m[1]}} repeats an alternative.` };
    }
    pieces.push(prompt.slice(last, m.index));
    last = m.index! + m[0].length;
    axes.push(options);
  }
  pieces.push(prompt.slice(last));
  if (axes.length === 0) return { ok: true, matrix: null };
  if (axes.length > LIMITS.matrixAxesMax) {
    return { ok: false, message: `A matrix has at most ${LIMITS.matrixAxesMax} groups of alternatives.` };
  }
  const total = axes.reduce((n, a) => n * a.length, 1);
  if (total > LIMITS.matrixCellsMax) {
    return {
      ok: false,
      message: `That makes ${total} combinations (${axes.map((a) => a.length).join(" × ")}); a matrix has at most ${LIMITS.matrixCellsMax}. Remove some alternatives.`,
    };
  }
  const cols = axes.at(-1)!.length;
  const rows = total / cols;
  const cells: MatrixCell[] = [];
  for (let i = 0; i < total; i++) {
    const choice: number[] = [];
    let rest = i;
    for (let a = axes.length - 1; a >= 0; a--) {
      choice[a] = rest % axes[a]!.length;
      rest = Math.floor(rest / axes[a]!.length);
    }
    let text = pieces[0]!;
    choice.forEach((c, a) => {
      text += axes[a]![c]! + pieces[a + 1]!;
    });
    cells.push({ prompt: text.replace(/\s+/g, " ").trim(), choice, row: Math.floor(i / cols), col: i % cols });
  }
  const label = (o: string) => o || "(none)";
  const rowLabels = Array.from({ length: rows }, (_, r) =>
    axes.length === 1
      ? ""
      : cells[r * cols]!.choice.slice(0, -1)
          .map((c, a) => label(axes[a]![c]!))
          .join(" · "),
  );
  const colLabels = axes.at(-1)!.map(label);
  return { ok: true, matrix: { axes, cells, rows, cols, rowLabels, colLabels } };
}
