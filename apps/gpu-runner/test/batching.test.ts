import type { RunnerEvent } from "@tessera/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Runner } from "../src/runner.ts";
import { BUNDLE_DIR, collect, finalTokens } from "./helpers.ts";

describe("continuous batching and cancellation", () => {
  let runner: Runner;
  beforeAll(async () => {
    runner = await Runner.create({ modelDir: BUNDLE_DIR, previewEveryRows: 0 });
  });
  afterAll(() => runner?.close());

  it("a request joining mid-flight gets the same tokens as when run alone", async () => {
    const late = { prompt: "a small green square at the bottom", n: 2, seed: 7 };
    const alone = finalTokens(await collect(runner.generate(late)));

    const log: string[] = [];
    const first: RunnerEvent[] = [];
    let joined!: Promise<RunnerEvent[]>;
    for await (const e of runner.generate({ prompt: "a large red star in the top left", n: 3, seed: 1 })) {
      first.push(e);
      log.push(`first:${e.type}`);
      // Start the second request once the first has a full image row, i.e. while it is decoding.
      if (e.type === "tokens" && e.candidate === 0 && e.start === 0 && !joined) {
        joined = (async () => {
          const out: RunnerEvent[] = [];
          for await (const ev of runner.generate(late)) {
            out.push(ev);
            log.push(`late:${ev.type}`);
          }
          return out;
        })();
      }
    }
    const lateEvents = await joined;
    // The late request produced rows before the first one finished: it joined the running batch.
    expect(log.indexOf("late:tokens")).toBeGreaterThan(-1);
    expect(log.indexOf("late:tokens")).toBeLessThan(log.indexOf("first:finished"));
    expect(finalTokens(lateEvents)).toEqual(alone);
    expect(first.at(-1)?.type).toBe("finished");
  });

  it("stops within one step when the signal aborts, and frees the batch rows", async () => {
    const controller = new AbortController();
    const events: RunnerEvent[] = [];
    let abortedAt = -1;
    for await (const e of runner.generate({ prompt: "a red star", n: 4, seed: 1 }, { signal: controller.signal })) {
      events.push(e);
      if (e.type === "tokens" && abortedAt < 0) {
        abortedAt = events.length;
        controller.abort();
      }
    }
    expect(events.at(-1)?.type).toBe("cancelled");
    // After the abort, at most the rest of the current row's chunks may still arrive (one step's worth).
    const after = events.slice(abortedAt).filter((e) => e.type === "tokens");
    expect(after.length).toBeLessThanOrEqual(4 * 2);
    expect(events.some((e) => e.type === "candidateFinished")).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(runner.stats()).toMatchObject({ activeRows: 0, inFlight: 0 });
    const next = await collect(runner.generate({ prompt: "a red star", n: 1, seed: 1 }));
    expect(next.at(-1)?.type).toBe("finished");
  });

  it("cancels when the consumer stops reading, and with an already-aborted signal", async () => {
    for await (const e of runner.generate({ prompt: "a red star", n: 2, seed: 4 })) {
      if (e.type === "tokens") break;
    }
    const events = await collect(
      runner.generate({ prompt: "a red star", n: 2, seed: 4 }, { signal: AbortSignal.abort() }),
    );
    expect(events.map((e) => e.type)).toEqual(["started", "cancelled"]);
    await new Promise((r) => setTimeout(r, 300));
    expect(runner.stats()).toMatchObject({ activeRows: 0, inFlight: 0 });
  });
});
