// For thread-priority.test.ts: a worker thread that lowers its own priority (and, if asked, takes the
// SCHED_IDLE policy), then starts a thread of its own (as ONNX Runtime starts its pool), and reports both
// threads' ids, nice values and policies.
import { readlinkSync } from "node:fs";
import { getPriority } from "node:os";
import { parentPort, Worker, workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const { idleThreadPolicy, lowerThreadPriority, schedulingPolicyOf } = await import("./thread-priority.ts");
// The child reports its thread id and stays alive until terminated: once its thread exits, its /proc
// entry is gone and reading its priority fails (ESRCH).
const tidCode =
  'require("node:worker_threads").parentPort.postMessage(Number(require("node:fs").readlinkSync("/proc/thread-self").split("/").pop())); setInterval(() => {}, 1000)';
const applied = lowerThreadPriority(workerData.niceness);
const idle = workerData.idle ? idleThreadPolicy() : null;
const child = new Worker(tidCode, { eval: true });
const policy = (tid) => schedulingPolicyOf(`/proc/self/task/${tid}`);
child.once("message", async (childTid) => {
  const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
  parentPort.postMessage({
    applied,
    idle,
    tid,
    nice: getPriority(tid),
    policy: policy(tid),
    childTid,
    childNice: getPriority(childTid),
    childPolicy: policy(childTid),
  });
  await child.terminate();
});
