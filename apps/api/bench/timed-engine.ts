/**
 * The engine as the benches drive it: each generation waits for `gate()` (its watchers are subscribed, so
 * no event reaches them as a replay of the log), and every event's emission time is noted under its
 * `runnerEventKey` in `emitted`, with how long it waited for the API's thread in `waited`.
 */
import { performance } from "node:perf_hooks";
import { eventEmittedAt } from "@tessera/gpu-runner";
import type { RunnerEvent } from "@tessera/shared";
import type { GenerationEngine } from "../src/generation/engine.ts";
import { runnerEventKey } from "./event-keys.ts";

const now = () => performance.timeOrigin + performance.now();

export function timedEngine(
  inner: GenerationEngine,
  emitted: Map<string, number>,
  waited: number[],
  gate: () => Promise<void>,
): GenerationEngine {
  return {
    ...inner,
    async *generate(request, opts) {
      await gate();
      emitted.clear();
      for await (const e of inner.generate(request, opts) as AsyncIterable<RunnerEvent>) {
        const taken = now();
        const at = eventEmittedAt(e) ?? taken;
        emitted.set(runnerEventKey(e), at);
        waited.push(taken - at);
        yield e;
      }
    },
  };
}
