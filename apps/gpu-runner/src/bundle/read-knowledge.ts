import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  type BundleConceptList,
  type BundleManifest,
  type BundleVocabulary,
  conceptListSchema,
  vocabularySchema,
} from "@tessera/shared";
import type { z } from "zod";
import { BundleError } from "./bundle-error.ts";

/** What a bundle says it knows, for honest hints: training words and characters, concepts and their sprites. */
export interface BundleKnowledge {
  vocabulary: BundleVocabulary | null;
  concepts: BundleConceptList | null;
  /** The concept sprite sheet (PNG), when the bundle ships one. */
  sprites: Uint8Array | null;
}

/** Reads the optional knowledge files a manifest names (their sha256 was checked with the manifest). */
export async function readKnowledge(dir: string, m: BundleManifest): Promise<BundleKnowledge> {
  const vocabulary = m.text.vocabularyFile ? await readJson(dir, m.text.vocabularyFile, vocabularySchema) : null;
  const concepts = m.concepts ? await readJson(dir, m.concepts.file, conceptListSchema) : null;
  const spritesFile = m.concepts?.spritesFile;
  const sprites = spritesFile ? new Uint8Array(await readFile(path.join(dir, spritesFile))) : null;
  return { vocabulary, concepts, sprites };
}

async function readJson<T>(dir: string, file: string, schema: z.ZodType<T>): Promise<T> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path.join(dir, file), "utf8"));
  } catch (e) {
    throw new BundleError(dir, file, `${file} is not valid JSON (${(e as Error).message}).`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new BundleError(
      dir,
      file,
      `${file} does not match its schema (${first?.path.join(".")}: ${first?.message}).`,
    );
  }
  return parsed.data;
}
