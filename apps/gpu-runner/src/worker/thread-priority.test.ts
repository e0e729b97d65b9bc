import { readFileSync } from "node:fs";
import { getPriority } from "node:os";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { lowerThreadPriority } from "./thread-priority.ts";

/** The nice value of a thread, read from /proc (field 19 of its stat line). */
function niceOf(statPath: string): number {
  const stat = readFileSync(statPath, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
}

describe.runIf(process.platform === "linux")("lowerThreadPriority", () => {
  it("lowers only the calling thread, and the threads it starts afterwards inherit it", async () => {
    const processNice = getPriority();
    const worker = new Worker(new URL("./thread-priority.fixture.mjs", import.meta.url), {
      workerData: { niceness: 5 },
    });
    const r = await new Promise<{ applied: number; tid: number; nice: number; childTid: number; childNice: number }>(
      (resolve, reject) => {
        worker.once("message", resolve);
        worker.once("error", reject);
      },
    );
    await worker.terminate();
    const expected = Math.min(19, processNice + 5);
    expect(r.applied).toBe(expected);
    expect(r.nice).toBe(expected);
    expect(r.childNice).toBe(expected);
    // The process (its main thread, which runs the event loop) keeps its priority.
    expect(getPriority()).toBe(processNice);
    expect(niceOf(`/proc/self/task/${process.pid}/stat`)).toBe(processNice);
  });

  it("does nothing for zero or a negative amount", () => {
    const before = getPriority();
    expect(lowerThreadPriority(0)).toBeNull();
    expect(lowerThreadPriority(-3)).toBeNull();
    expect(getPriority()).toBe(before);
  });
});
