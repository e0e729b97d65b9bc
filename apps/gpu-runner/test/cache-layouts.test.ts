import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { RunnerEvent } from "@tessera/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BundleError } from "../src/bundle/bundle-error.ts";
import { loadBundle } from "../src/bundle/load-bundle.ts";
import { Runner } from "../src/runner.ts";
import { collect, finalTokens } from "./helpers.ts";

// Both KV-cache layouts, whatever TESSERA_MODEL_DIR is: the two fixture bundles share their weights (see
// make_tiny_random_bundle.py), one with an Optimum-style concat prior, one with a static cache.
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const CONCAT = fixture("tiny-random-bundle");
const STATIC = fixture("tiny-random-static-bundle");

describe("KV-cache layouts (concat and static fixture bundles)", () => {
  const runners: Record<"concat" | "static", Runner> = {} as never;
  beforeAll(async () => {
    runners.concat = await Runner.create({ modelDir: CONCAT, previewEveryRows: 0 });
    runners.static = await Runner.create({ modelDir: STATIC, previewEveryRows: 0 });
  });
  afterAll(async () => {
    await Promise.all(Object.values(runners).map((r) => r?.close()));
  });

  it("the static bundle reproduces its no-cache fixtures, greedy, in one batch", async () => {
    const fixtures = JSON.parse(await readFile(path.join(STATIC, "fixtures.json"), "utf8")).generations as {
      prompt: string;
      guidanceScale: number;
      tokens: number[];
    }[];
    const runs = await Promise.all(
      fixtures.map((f) =>
        collect(
          runners.static.generate({
            prompt: f.prompt,
            n: 1,
            seed: 0,
            params: { temperature: 1, topK: 1, topP: 1, guidanceScale: f.guidanceScale },
          }),
        ),
      ),
    );
    fixtures.forEach((f, i) => {
      expect(finalTokens(runs[i]!)[0], f.prompt).toEqual(f.tokens);
    });
  });

  it("both layouts sample the same tokens, with rows joining and leaving mid-flight", async () => {
    // Three requests of different sizes, guidance on and off, one an image completion, started a few steps
    // apart so rows join a running batch and leave it at different times.
    async function scenario(runner: Runner): Promise<number[][][]> {
      const requests = [
        { prompt: "a large red star in the top left", n: 3, seed: 5 },
        { prompt: "two small blue circles", n: 2, seed: 6, params: { guidanceScale: 1 } },
        { prompt: "a green square", n: 2, seed: 7 },
      ];
      const first = await collect(runner.generate(requests[0]!));
      const source = { tokens: finalTokens(first)[0]!, keepRows: 3 };
      const runs: Promise<RunnerEvent[]>[] = [];
      for await (const e of runner.generate(requests[1]!)) {
        if (e.type === "tokens" && e.candidate === 0 && e.start === 0) {
          runs.push(collect(runner.generate(requests[0]!)));
          runs.push(collect(runner.generate({ ...requests[2]!, source })));
        }
      }
      return [first, ...(await Promise.all(runs))].map(finalTokens);
    }
    const [viaConcat, viaStatic] = [await scenario(runners.concat), await scenario(runners.static)];
    expect(viaStatic).toEqual(viaConcat);
    expect(viaStatic[1]).toEqual(viaStatic[0]); // the same request again, this time sharing the batch
  });
});

describe("bundles whose KV-cache layout doesn't match the manifest", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  async function withPrior(from: string, edit: (prior: Record<string, unknown>) => void): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), "tessera-kv-"));
    dirs.push(dir);
    await cp(from, dir, { recursive: true });
    const manifest = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8"));
    edit(manifest.prior);
    await writeFile(path.join(dir, "manifest.json"), JSON.stringify(manifest));
    return dir;
  }
  async function expectBundleError(dir: string, pattern: RegExp) {
    const err = await loadBundle(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundleError);
    expect((err as BundleError).message).toMatch(pattern);
  }

  it("a static graph whose manifest gives another cache length", async () => {
    const dir = await withPrior(STATIC, (p) => {
      p.kvCache = { kind: "static", length: 300 };
    });
    await expectBundleError(dir, /past_key_values\.0\.key" dimension 2 is 287, manifest implies 300/);
  });

  it("a static graph whose manifest says (or defaults to) concat", async () => {
    const dir = await withPrior(STATIC, (p) => {
      delete p.kvCache;
    });
    await expectBundleError(dir, /dimension 2 is fixed at 287 \(.*static-cache export and needs prior\.kvCache/);
  });

  it("a concat graph whose manifest says static", async () => {
    const dir = await withPrior(CONCAT, (p) => {
      p.kvCache = { kind: "static", length: 287 };
    });
    await expectBundleError(dir, /returns the whole cache \(past \+ new, the concat layout\)/);
  });
});
