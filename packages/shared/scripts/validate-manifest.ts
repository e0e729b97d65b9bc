// Validates a model bundle's manifest.json against the shared zod schema (the lab calls this before
// writing a bundle), and the concept list and vocabulary it names. Exit 0 when valid; otherwise prints each
// problem and exits 1.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { conceptListSchema, ManifestError, parseManifest, vocabularySchema } from "../src/manifest.ts";

const path = process.argv[2];
if (!path) {
  console.error("usage: validate-manifest <path/to/manifest.json>");
  process.exit(2);
}
try {
  const m = parseManifest(JSON.parse(readFileSync(path, "utf8")), path);
  const dir = dirname(path);
  if (m.concepts) conceptListSchema.parse(JSON.parse(readFileSync(join(dir, m.concepts.file), "utf8")));
  if (m.text.vocabularyFile) vocabularySchema.parse(JSON.parse(readFileSync(join(dir, m.text.vocabularyFile), "utf8")));
  console.log(`${path}: valid manifest for ${m.name}@${m.version}`);
} catch (e) {
  console.error(e instanceof ManifestError || e instanceof SyntaxError ? e.message : e);
  process.exit(1);
}
