import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { type BundleManifest, ManifestError, parseManifest } from "@tessera/shared";
import { BundleError } from "./bundle-error.ts";

/** Largest file a bundle may hold; guards against pointing the runner at something that isn't a bundle. */
const MAX_FILE_BYTES = 2 * 1024 ** 3;

/** Reads `manifest.json`, validates it with the shared schema and checks every listed file's size and sha256. */
export async function readVerifiedManifest(dir: string): Promise<BundleManifest> {
  const manifestPath = path.join(dir, "manifest.json");
  let raw: string;
  try {
    raw = await readFile(manifestPath, "utf8");
  } catch {
    throw new BundleError(dir, "manifest.json", "the directory has no readable manifest.json.");
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new BundleError(dir, "manifest.json", `manifest.json is not valid JSON (${(e as Error).message}).`);
  }
  let manifest: BundleManifest;
  try {
    manifest = parseManifest(json, "manifest.json");
  } catch (e) {
    if (e instanceof ManifestError) throw new BundleError(dir, "manifest.json", e.message);
    throw e;
  }
  for (const [name, expected] of Object.entries(manifest.files)) {
    await verifyFile(dir, name, expected.sha256, expected.bytes);
  }
  return manifest;
}

async function verifyFile(dir: string, name: string, sha256: string, bytes: number): Promise<void> {
  const file = path.join(dir, name);
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new BundleError(dir, name, `${name} is listed in manifest.json but missing from the directory.`);
  }
  if (size > MAX_FILE_BYTES) throw new BundleError(dir, name, `${name} is larger than 2 GiB.`);
  if (size !== bytes) {
    throw new BundleError(
      dir,
      name,
      `${name} has ${size} bytes but manifest.json says ${bytes}; it is truncated or replaced.`,
    );
  }
  const actual = createHash("sha256")
    .update(await readFile(file))
    .digest("hex");
  if (actual !== sha256) {
    throw new BundleError(dir, name, `${name} is corrupt: its sha256 is ${actual}, manifest.json expects ${sha256}.`);
  }
}
