import { readFileSync } from "node:fs";
import { getPriority } from "node:os";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { lowerThreadPriority, SCHED_IDLE, schedulingPolicyOf } from "./thread-priority.ts";

/** The nice value of a thread, read from /proc (field 19 of its stat line). */
function niceOf(statPath: string): number {
  const stat = readFileSync(statPath, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
}

interface FixtureReport {
  applied: number | null;
  idle: boolean | null;
  tid: number;
  nice: number;
  policy: number;
  childTid: number;
  childNice: number;
  childPolicy: number;
}

async function runFixture(workerData: { niceness: number; idle?: boolean }): Promise<FixtureReport> {
  const worker = new Worker(new URL("./thread-priority.fixture.mjs", import.meta.url), { workerData });
  try {
    return await new Promise<FixtureReport>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
  } finally {
    await worker.terminate();
  }
}

describe.runIf(process.platform === "linux")("lowerThreadPriority", () => {
  it("lowers only the calling thread, and the threads it starts afterwards inherit it", async () => {
    const processNice = getPriority();
    const r = await runFixture({ niceness: 5 });
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

describe.runIf(process.platform === "linux")("idleThreadPolicy", () => {
  it("puts only the calling thread under SCHED_IDLE, and the threads it starts afterwards inherit it", async () => {
    const mainPolicy = schedulingPolicyOf(`/proc/self/task/${process.pid}`);
    const r = await runFixture({ niceness: 10, idle: true });
    expect(r.idle).toBe(true);
    expect(r.policy).toBe(SCHED_IDLE);
    expect(r.childPolicy).toBe(SCHED_IDLE);
    // The nice value stays too (it is what remains where SCHED_IDLE can't be set).
    expect(r.childNice).toBe(Math.min(19, getPriority() + 10));
    expect(schedulingPolicyOf(`/proc/self/task/${process.pid}`)).toBe(mainPolicy);
    expect(mainPolicy).not.toBe(SCHED_IDLE);
  });

  it("leaves the policy alone when not asked", async () => {
    const r = await runFixture({ niceness: 0 });
    expect(r.idle).toBeNull();
    expect(r.policy).not.toBe(SCHED_IDLE);
    expect(r.childPolicy).not.toBe(SCHED_IDLE);
  });
});
