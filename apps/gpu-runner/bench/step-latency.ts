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
  rounds = 45,
): Promise<{ at10: number; at250: number }> {
  const bundle = await loadBundle(options.modelDir, {
    executionProviders: options.executionProviders,
    intraOpThreads: options.intraOpThreads,
  });
  try {
    const m = bundle.manifest;
    // One cache per prefix length; rounds alternate between them so load from other processes hits both alike.
    const setup = (step: number) => {
      const len = m.prior.textLength + step;
      const size = m.prior.kvHeads * len * m.prior.headDim;
      const source = Array.from({ length: 2 * m.prior.layers }, () =>
        Float32Array.from({ length: size }, (_, i) => Math.sin(i) * 0.1),
      );
      const kv = createKvCache(m);
      const ids = new BigInt64Array(rows).fill(BigInt(m.prior.imageTokenOffset + 1));
      const positions = new BigInt64Array(rows).fill(BigInt(len));
      const times: number[] = [];
      const once = async (record: boolean) => {
        kv.rebuild(Array.from({ length: rows }, () => ({ tensors: source, cols: len, row: 0, realLen: len }))); // not timed
        const t0 = performance.now();
        const past = kv.past();
        const out = await runPrior(bundle.prior, m, rows, 1, ids, positions, kv.stepMask(1), past.tensors, past.cols);
        kv.advance(out.present, 1);
        if (record) times.push(performance.now() - t0);
      };
      const median = () => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
      return { once, median };
    };
    const [s10, s250] = [setup(10), setup(250)];
    for (let i = 0; i < rounds; i++) {
      await s10.once(i >= 5);
      await s250.once(i >= 5);
    }
    return { at10: s10.median(), at250: s250.median() };
  } finally {
    await bundle.close();
  }
}
