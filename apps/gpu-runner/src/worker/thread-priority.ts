import { execFileSync } from "node:child_process";
import { readFileSync, readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";

/** Linux's scheduling policy number for SCHED_IDLE (sched.h), as /proc shows it. */
export const SCHED_IDLE = 5;

/** This thread's kernel id: /proc/thread-self → "<pid>/task/<tid>", the only way to it from JavaScript. */
function currentTid(): number | null {
  const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
  return Number.isInteger(tid) && tid > 0 ? tid : null;
}

/**
 * Lowers the calling thread's CPU priority by `niceness` steps (nice values, capped at 19) and returns
 * the thread's new nice value, or null where that can't be done.
 *
 * Only Linux keeps a nice value per thread, reachable through the thread's id; elsewhere the only handle
 * is the process, and renicing it would slow the event loop this exists to protect. Threads the engine
 * starts afterwards (ONNX Runtime's intra-op pool) inherit the value, so call it before loading models.
 */
export function lowerThreadPriority(niceness: number): number | null {
  if (niceness <= 0 || process.platform !== "linux") return null;
  try {
    const tid = currentTid();
    if (tid === null) return null;
    const nice = Math.min(19, getPriority(tid) + niceness);
    setPriority(tid, nice);
    return getPriority(tid);
  } catch {
    return null; // a sandbox without /proc, or a seccomp filter: run at normal priority
  }
}

/**
 * Puts the calling thread under Linux's SCHED_IDLE policy and reports whether it took. A nice value only
 * shrinks a thread's share: a model thread in the middle of its slice keeps the core for a while after the
 * event loop wakes up. Under SCHED_IDLE the waking loop takes the core at once, and the kernel counts a
 * core that runs only idle-policy threads as free when it places a waking thread (bench:api: the loop's
 * wait for a core per generation 88–156 → 56–100 ms, p99 latency 44 → 32 ms, median of 8 pairs).
 * The cost: the thread runs only when nothing else wants the core.
 *
 * Node has no binding for sched_setscheduler, so this asks util-linux's `chrt` (present on every
 * Linux distribution that ships util-linux) to change this thread; where it is missing or refused, the
 * thread keeps its policy and the caller's nice value still applies. Threads started afterwards inherit
 * the policy, so call it before loading models.
 */
export function idleThreadPolicy(): boolean {
  if (process.platform !== "linux") return false;
  try {
    const tid = currentTid();
    if (tid === null) return false;
    execFileSync("chrt", ["--idle", "--pid", "0", String(tid)], { stdio: "ignore", timeout: 5_000 });
    return schedulingPolicyOf(`/proc/self/task/${tid}`) === SCHED_IDLE;
  } catch {
    return false;
  }
}

/** A thread's scheduling policy number (field 41 of its /proc stat line). */
export function schedulingPolicyOf(procTaskPath: string): number {
  const stat = readFileSync(`${procTaskPath}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[38]);
}
