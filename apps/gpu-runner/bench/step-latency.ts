import { loadBundle } from "../src/bundle/load-bundle.ts";
import type { RunnerOptions } from "../src/config.ts";
import { createKvCache } from "../src/engine/kv-cache.ts";
import { runPrior } from "../src/engine/prior-forward.ts";

/**
 * The KV-cache check: median latency of one decode step for `rows` rows when the cache holds the text
 * plus 10 image tokens versus plus 250, in the bundle's cache layout (static or concat), mask, past views
 * and writing the new K/V back included, as the scheduler does. Without a cache, step 250 would reprocess
 * ~9× more tokens; with a concat cache it still copies the whole cache in and out.
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
      const size = m.prior.kvHeads * len * m.prior.headDim;
      const source = Array.from({ length: 2 * m.prior.layers }, () =>
        Float32Array.from({ length: size }, (_, i) => Math.sin(i) * 0.1),
      );
      const rowsAt = () => Array.from({ length: rows }, () => ({ tensors: source, cols: len, row: 0, realLen: len }));
      const kv = createKvCache(m);
      const ids = new BigInt64Array(rows).fill(BigInt(m.prior.imageTokenOffset + 1));
      const positions = new BigInt64Array(rows).fill(BigInt(len));
      const times: number[] = [];
      for (let i = 0; i < 40; i++) {
        kv.rebuild(rowsAt()); // back to `len` cached tokens (not timed)
        const t0 = performance.now();
        const past = kv.past();
        const out = await runPrior(bundle.prior, m, rows, 1, ids, positions, kv.stepMask(1), past.tensors, past.cols);
        kv.advance(out.present, 1);
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
