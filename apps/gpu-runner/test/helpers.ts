import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { RunnerEvent } from "@tessera/shared";
import { defaultModelDir } from "../src/config.ts";

/**
 * The bundle under test: TESSERA_MODEL_DIR, else the committed models/tessera-sticker, else (while the lab's
 * bundle isn't committed) the small random-weight bundle in test/fixtures, which follows the same contract.
 */
const TINY_RANDOM = fileURLToPath(new URL("./fixtures/tiny-random-bundle", import.meta.url));
export const BUNDLE_DIR =
  process.env.TESSERA_MODEL_DIR || existsSync(path.join(defaultModelDir(), "manifest.json"))
    ? defaultModelDir()
    : TINY_RANDOM;

export interface Fixtures {
  tokenizer: { text: string; ids: number[]; unknownWords?: string[] }[];
  generations: {
    prompt: string;
    textIds: number[];
    guidanceScale: number;
    tokens: number[];
    imageSha256: string;
    imageMean: number;
    clipScore: number;
  }[];
}

export function readFixtures(): Fixtures {
  const manifest = JSON.parse(readFileSync(path.join(BUNDLE_DIR, "manifest.json"), "utf8"));
  return JSON.parse(readFileSync(path.join(BUNDLE_DIR, manifest.fixturesFile ?? "fixtures.json"), "utf8"));
}

export async function collect(events: AsyncIterable<RunnerEvent>): Promise<RunnerEvent[]> {
  const out: RunnerEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** Final token grids by candidate index, from `candidateFinished` events. */
export function finalTokens(events: RunnerEvent[]): number[][] {
  const grids: number[][] = [];
  for (const e of events) if (e.type === "candidateFinished") grids[e.candidate] = e.tokens;
  return grids;
}

/** Tokens rebuilt from the streamed `tokens` chunks, to check they agree with the final grids. */
export function streamedTokens(events: RunnerEvent[]): number[][] {
  const grids: number[][] = [];
  for (const e of events) {
    if (e.type !== "tokens") continue;
    grids[e.candidate] ??= [];
    const grid = grids[e.candidate]!;
    e.tokens.forEach((t, i) => {
      grid[e.start + i] = t;
    });
  }
  return grids;
}
