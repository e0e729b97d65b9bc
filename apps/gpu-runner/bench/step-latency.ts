import { loadBundle } from "../src/bundle/load-bundle.ts";
import type { RunnerOptions } from "../src/config.ts";
import { KvBatch } from "../src/engine/kv-batch.ts";
import { runPrior } from "../src/engine/prior-forward.ts";

/**
 * The KV-cache check: median latency of one decode step for `rows` rows when the cache holds the text
 * plus 10 image tokens versus plus 250. Without a cache, step 250 would reprocess ~9× more tokens.
 */
export async function measureStepLatency(
  options: RunnerOptions,
  rows: number,
): Promise<{ at10: number; at250: number }> {
  const bundle = await loadBundle(options.modelDir, {
    executionProviders: options.executionProviders,
    intraOpThreads: options.intraOpThreads,
  });
  try {
    const m = bundle.manifest;
    const timeAt = async (step: number) => {
      const len = m.prior.textLength + step;
      const kv = new KvBatch({ layers: m.prior.layers, kvHeads: m.prior.kvHeads, headDim: m.prior.headDim });
      const size = m.prior.kvHeads * len * m.prior.headDim;
      const source = kv.tensors.map(() => Float32Array.from({ length: size }, (_, i) => Math.sin(i) * 0.1));
      kv.rebuild(Array.from({ length: rows }, () => ({ tensors: source, cols: len, row: 0, realLen: len })));
      const ids = new BigInt64Array(rows).fill(BigInt(m.prior.imageTokenOffset + 1));
      const positions = new BigInt64Array(rows).fill(BigInt(len));
      const mask = kv.stepMask(1);
      const times: number[] = [];
      for (let i = 0; i < 40; i++) {
        const t0 = performance.now();
        await runPrior(bundle.prior, m, rows, 1, ids, positions, mask, kv.tensors, kv.cols);
        if (i >= 5) times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      return times[Math.floor(times.length / 2)]!;
    };
    const at10 = await timeAt(10);
    const at250 = await timeAt(250);
    return { at10, at250 };
  } finally {
    await bundle.close();
  }
}
