import { resolveOptions } from "../src/config.ts";
import { measureStepLatency } from "./step-latency.ts";

/**
 * Compares bundles (e.g. the same checkpoint exported with a static and with a concat KV cache) step by
 * step: median decode-step latency at image token 10 and 250 for 2, 16 and 32 rows. Bundles are measured in
 * alternating rounds, so background load hits each alike.
 *
 *   npx tsx apps/gpu-runner/bench/kv-layouts.ts /tmp/tessera-static /tmp/tessera-concat
 */
const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error("usage: kv-layouts.ts <bundle dir> [<bundle dir> ...]");
  process.exit(2);
}
const round = (x: number) => Math.round(x * 100) / 100;
for (const rows of [2, 16, 32]) {
  const results: Record<string, { at10: number; at250: number }[]> = Object.fromEntries(dirs.map((d) => [d, []]));
  for (let r = 0; r < 3; r++) {
    for (const dir of dirs) {
      results[dir]!.push(await measureStepLatency(resolveOptions({ modelDir: dir }), rows, 25));
    }
  }
  for (const dir of dirs) {
    const best = (k: "at10" | "at250") => Math.min(...results[dir]!.map((x) => x[k]));
    console.log(
      `${rows} rows, ${dir}: step 10 ${round(best("at10"))} ms, step 250 ${round(best("at250"))} ms (×${round(best("at250") / best("at10"))})`,
    );
  }
}
