import { describe, expect, it } from "vitest";
import { Throughput } from "./queue-estimate.ts";

describe("Throughput", () => {
  it("counts busy time only, and averages a burst of finishes", () => {
    let t = 0;
    const tp = new Throughput(60_000, () => t);
    expect(tp.perMs()).toBeNull();
    tp.busy(true);
    t = 1000;
    tp.finished(8); // 8 candidates in 1 s
    expect(tp.perMs()).toBeCloseTo(8 / 1000);
    t = 1010;
    tp.finished(8); // batched with the first: 16 in ~1 s, not 8 in 10 ms
    expect(tp.perMs()).toBeCloseTo(16 / 1010);
    tp.busy(false);
    t = 3_600_000; // an idle hour changes nothing
    expect(tp.perMs()).toBeCloseTo(16 / 1010);
    tp.busy(true);
    t += 990;
    tp.finished(4);
    expect(tp.perMs()).toBeCloseTo(20 / 2000);
  });

  it("forgets finishes older than its window of busy time", () => {
    let t = 0;
    const tp = new Throughput(10_000, () => t);
    tp.busy(true);
    t = 1000;
    tp.finished(100); // a fast start
    for (let i = 0; i < 20; i++) {
      t += 1000;
      tp.finished(1); // then 1 a second
    }
    expect(tp.perMs()).toBeCloseTo(10 / 10_000);
  });
});
