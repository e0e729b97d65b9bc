import { cpus } from "node:os";
import type { GenerationRequestInput, RunnerEvent } from "@tessera/shared";
import { Runner } from "../src/index.ts";
import { measureStepLatency } from "./step-latency.ts";
import { runTorchReference } from "./torch-reference.ts";

/**
 * `npm run bench:runner`: every figure issue 4 asks for, in one run, on this machine. Numbers print as
 * they are measured; the summary at the end compares them with the targets. CPU may be shared with
 * other work (training), so treat one run as indicative.
 */
const PROMPT = "a large red star in the top left";
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

interface RunResult {
  wallMs: number;
  firstRowMs: number;
  rankMs: number;
  tokens: number;
}

async function run(runner: Runner, request: GenerationRequestInput): Promise<RunResult> {
  const t0 = performance.now();
  let firstRowMs = 0;
  let rankMs = 0;
  let tokens = 0;
  for await (const e of runner.generate(request) as AsyncIterable<RunnerEvent>) {
    if (e.type === "tokens") {
      if (firstRowMs === 0) firstRowMs = performance.now() - t0;
      tokens += e.tokens.length;
    } else if (e.type === "finished") {
      rankMs = e.timings.rankMs;
    } else if (e.type === "failed") {
      throw new Error(`${e.code}: ${e.message}`);
    }
  }
  return { wallMs: performance.now() - t0, firstRowMs, rankMs, tokens };
}

async function throughput(runner: Runner, concurrent: number, n: number): Promise<{ batched: number; serial: number }> {
  const requests = Array.from({ length: concurrent }, (_, i) => ({ prompt: PROMPT, n, seed: 100 + i }));
  let t0 = performance.now();
  const together = await Promise.all(requests.map((r) => run(runner, r)));
  const batched = together.reduce((a, r) => a + r.tokens, 0) / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  let tokens = 0;
  for (const r of requests) tokens += (await run(runner, r)).tokens;
  const serial = tokens / ((performance.now() - t0) / 1000);
  return { batched, serial };
}

async function main(): Promise<void> {
  const rssStart = process.memoryUsage().rss;
  const runner = await Runner.create({ previewEveryRows: 0 });
  const model = runner.model();
  const total = model.gridRows * model.gridCols;
  const { kvCache } = runner.bundleManifest().prior;
  console.log(
    `Runner bench: ${model.name}@${model.version} (${kvCache.kind === "static" ? `static KV cache of ${kvCache.length}` : "concat KV cache"}), ${model.gridRows}×${model.gridCols} tokens, ` +
      `${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}), node ${process.version}, guidance ${model.defaults.guidanceScale}`,
  );

  await run(runner, { prompt: PROMPT, n: 8, seed: 0 }); // warm-up: first-run allocations and kernels
  const eight: RunResult[] = [];
  for (let i = 0; i < 3; i++) eight.push(await run(runner, { prompt: PROMPT, n: 8, seed: 1 + i }));
  const best = eight.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
  const firstRow = await run(runner, { prompt: PROMPT, n: 1, seed: 1 });
  console.log(`time to first image row (n=1): ${round(firstRow.firstRowMs)} ms; (n=8): ${round(best.firstRowMs)} ms`);
  console.log(
    `8 × ${total} tokens incl. CLIP ranking: ${round(best.wallMs)} ms (best of 3; ranking ${best.rankMs} ms)`,
  );
  const tokensPerSecond = (8 * total) / (best.wallMs / 1000);
  console.log(`tokens/s (8 candidates): ${round(tokensPerSecond, 0)}`);

  const steps = await measureStepLatency(runner.options, 16);
  console.log(
    `per-step latency, 16 rows: step 10 ${round(steps.at10, 2)} ms, step 250 ${round(steps.at250, 2)} ms (ratio ${round(steps.at250 / steps.at10, 2)})`,
  );

  const scaling: Record<number, { batched: number; serial: number }> = {};
  for (const k of [1, 2, 4]) {
    scaling[k] = await throughput(runner, k, 2);
    console.log(
      `throughput, ${k} concurrent request(s) of n=2: continuous batching ${round(scaling[k]!.batched, 0)} tok/s, ` +
        `one at a time ${round(scaling[k]!.serial, 0)} tok/s (×${round(scaling[k]!.batched / scaling[k]!.serial, 2)})`,
    );
  }

  const torch = await runTorchReference(runner.options.modelDir, PROMPT, 8);
  if (torch.ok) {
    console.log(
      `PyTorch eager reference, 8 × ${total} tokens: ${round(torch.ms)} ms (ORT is ×${round(torch.ms / best.wallMs, 2)} faster)`,
    );
  } else {
    console.log(`PyTorch eager reference: not measured (${torch.reason})`);
  }

  const rssBefore = process.memoryUsage().rss;
  const batch = 8;
  for (let i = 0; i < 200; i += batch) {
    await Promise.all(
      Array.from({ length: batch }, (_, j) => run(runner, { prompt: PROMPT, n: 1, seed: 1000 + i + j })),
    );
  }
  const rssAfter = process.memoryUsage().rss;
  console.log(
    `RSS: ${mb(rssStart)} MB at start, ${mb(rssBefore)} MB before and ${mb(rssAfter)} MB after 200 generations (Δ ${mb(rssAfter - rssBefore)} MB)`,
  );
  await runner.close();

  const check = (ok: boolean) => (ok ? "met" : "NOT met");
  const four = scaling[4]!;
  console.log("\nTargets (2-core CPU):");
  console.log(`  8 × ${total} + ranking ≤ 1500 ms: ${round(best.wallMs)} ms — ${check(best.wallMs <= 1500)}`);
  console.log(`  first row ≤ 150 ms: ${round(best.firstRowMs)} ms (n=8) — ${check(best.firstRowMs <= 150)}`);
  console.log(
    `  ≥ 1.5× PyTorch eager: ${torch.ok ? `×${round(torch.ms / best.wallMs, 2)} — ${check(torch.ms / best.wallMs >= 1.5)}` : "not measured"}`,
  );
  console.log(
    `  step 250 ≤ 1.5× step 10: ×${round(steps.at250 / steps.at10, 2)} — ${check(steps.at250 <= 1.5 * steps.at10)}`,
  );
  console.log(
    `  4 concurrent ≥ 2× one at a time: ×${round(four.batched / four.serial, 2)} — ${check(four.batched >= 2 * four.serial)}`,
  );
  console.log(
    `  RSS growth ≤ 50 MB: ${mb(rssAfter - rssBefore)} MB — ${check(rssAfter - rssBefore <= 50 * 1024 ** 2)}`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
