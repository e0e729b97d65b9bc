import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";

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
    // /proc/thread-self → "<pid>/task/<tid>": the only way to this thread's id from JavaScript.
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (!Number.isInteger(tid) || tid <= 0) return null;
    const nice = Math.min(19, getPriority(tid) + niceness);
    setPriority(tid, nice);
    return getPriority(tid);
  } catch {
    return null; // a sandbox without /proc, or a seccomp filter: run at normal priority
  }
}
