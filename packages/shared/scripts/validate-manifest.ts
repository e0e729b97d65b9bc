// Validates a model bundle's manifest.json against the shared zod schema (the lab calls this before
// writing a bundle). Exit 0 when valid; otherwise prints each problem and exits 1.
import { readFileSync } from "node:fs";
import { ManifestError, parseManifest } from "../src/manifest.ts";

const path = process.argv[2];
if (!path) {
  console.error("usage: validate-manifest <path/to/manifest.json>");
  process.exit(2);
}
try {
  const m = parseManifest(JSON.parse(readFileSync(path, "utf8")), path);
  console.log(`${path}: valid manifest for ${m.name}@${m.version}`);
} catch (e) {
  console.error(e instanceof ManifestError || e instanceof SyntaxError ? e.message : e);
  process.exit(1);
}
