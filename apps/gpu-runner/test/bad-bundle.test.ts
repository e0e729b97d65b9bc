import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BundleError } from "../src/bundle/bundle-error.ts";
import { loadBundle } from "../src/bundle/load-bundle.ts";
import { Runner } from "../src/runner.ts";
import { BUNDLE_DIR } from "./helpers.ts";

// Each case copies the real bundle into a temp dir and breaks one thing.
describe("bundles that can't be used", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  // biome-ignore lint/suspicious/noExplicitAny: tests poke arbitrary manifest fields to break them
  async function copy(): Promise<{ dir: string; manifest: any }> {
    const dir = await mkdtemp(path.join(tmpdir(), "tessera-bundle-"));
    dirs.push(dir);
    await cp(BUNDLE_DIR, dir, { recursive: true });
    return { dir, manifest: JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) };
  }
  const saveManifest = (dir: string, m: unknown) => writeFile(path.join(dir, "manifest.json"), JSON.stringify(m));

  async function expectBundleError(dir: string, pattern: RegExp) {
    const err = await loadBundle(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundleError);
    expect((err as BundleError).code).toBe("BUNDLE_INVALID");
    expect((err as BundleError).message).toMatch(pattern);
  }

  it("names a missing file", async () => {
    const { dir, manifest } = await copy();
    await rm(path.join(dir, manifest.vq.decoderFile));
    await expectBundleError(dir, new RegExp(`${manifest.vq.decoderFile} is listed in manifest.json but missing`));
  });

  it("detects a corrupt file by its sha256", async () => {
    const { dir, manifest } = await copy();
    const file = path.join(dir, manifest.prior.file);
    const bytes = await readFile(file);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    await writeFile(file, bytes);
    await expectBundleError(dir, /is corrupt: its sha256 is/);
  });

  it("reports a manifest that fails the shared schema, and one that isn't JSON", async () => {
    const { dir, manifest } = await copy();
    await saveManifest(dir, { ...manifest, schemaVersion: 2 });
    await expectBundleError(dir, /not a valid Tessera model manifest[\s\S]*schemaVersion/);
    await writeFile(path.join(dir, "manifest.json"), "{ nope");
    await expectBundleError(dir, /not valid JSON/);
  });

  it("reports graphs whose shapes don't match the manifest", async () => {
    const { dir, manifest } = await copy();
    await saveManifest(dir, { ...manifest, prior: { ...manifest.prior, headDim: manifest.prior.headDim * 2 } });
    await expectBundleError(dir, new RegExp(`${manifest.prior.file} does not match manifest.json`));
    await saveManifest(dir, { ...manifest, prior: { ...manifest.prior, layers: manifest.prior.layers + 1 } });
    await expectBundleError(dir, /past_key_values\.\d+\.key" is missing/);
  });

  it("reports an empty directory, and Runner.create rejects with the same typed error", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "tessera-empty-"));
    dirs.push(dir);
    await expectBundleError(dir, /no readable manifest.json/);
    const err = await Runner.create({ modelDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundleError);
    expect((err as BundleError).message).toMatch(/no readable manifest.json/);
  });
});
