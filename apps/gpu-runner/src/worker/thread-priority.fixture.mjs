// For thread-priority.test.ts: a worker thread that lowers its own priority, then starts a thread of its
// own (as ONNX Runtime starts its pool), and reports both threads' ids and the nice value applied.
import { readlinkSync } from "node:fs";
import { getPriority } from "node:os";
import { parentPort, Worker, workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const { lowerThreadPriority } = await import("./thread-priority.ts");
const tidCode =
  'require("node:worker_threads").parentPort.postMessage(Number(require("node:fs").readlinkSync("/proc/thread-self").split("/").pop()))';
const applied = lowerThreadPriority(workerData.niceness);
const child = new Worker(tidCode, { eval: true });
child.once("message", async (childTid) => {
  const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
  parentPort.postMessage({ applied, tid, nice: getPriority(tid), childTid, childNice: getPriority(childTid) });
  await child.terminate();
});
