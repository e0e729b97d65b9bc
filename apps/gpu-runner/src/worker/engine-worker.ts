import { readFile } from "node:fs/promises";
import path from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { BundleError } from "../bundle/bundle-error.ts";
import { type Bundle, loadBundle } from "../bundle/load-bundle.ts";
import { type BundleKnowledge, readKnowledge } from "../bundle/read-knowledge.ts";
import { Scheduler } from "../engine/scheduler.ts";
import { decodeGrids, encodePng, toRgb8 } from "../render/images.ts";
import { nextTurn, tokenPatches } from "../render/token-patches.ts";
import { EventBatcher } from "./event-batcher.ts";
import type { FromWorker, ToWorker, WorkerInit } from "./protocol.ts";
import { idleThreadPolicy, lowerThreadPriority } from "./thread-priority.ts";

/**
 * The engine thread: owns the ONNX sessions and the scheduler, so inference and PNG encoding never block
 * the main thread's event loop (onnxruntime-node's `run` executes synchronously on the calling thread).
 */
const port = parentPort!;
const init = workerData as WorkerInit;
const post = (message: FromWorker) => port.postMessage(message);
const STATS_EVERY_MS = 100;
/** While generations stream, token patches take one ~10 ms slice per this long (under a tenth of the thread). */
const PATCHES_SLICE_EVERY_MS = 100;

async function main(): Promise<void> {
  // Before the sessions exist, so ONNX Runtime's threads inherit the lower priority (the nice value stays
  // as the fallback where SCHED_IDLE can't be set).
  lowerThreadPriority(init.niceness);
  if (init.idleScheduling) idleThreadPolicy();
  let bundle: Bundle;
  let tokenizerJson: Record<string, unknown>;
  let knowledge: BundleKnowledge;
  try {
    bundle = await loadBundle(init.modelDir, {
      executionProviders: init.executionProviders,
      intraOpThreads: init.intraOpThreads,
      spinWait: init.spinWait,
    });
    const file = bundle.manifest.text.tokenizerFile;
    try {
      tokenizerJson = JSON.parse(await readFile(path.join(init.modelDir, file), "utf8"));
    } catch (e) {
      throw new BundleError(init.modelDir, file, `${file} is not valid JSON (${(e as Error).message}).`);
    }
    knowledge = await readKnowledge(init.modelDir, bundle.manifest);
  } catch (e) {
    const err = e as Partial<BundleError>;
    post({
      type: "initError",
      error: { code: err.code ?? "BUNDLE_INVALID", message: String(err.message), dir: err.dir, file: err.file ?? null },
    });
    return;
  }
  // "ready" must be the first message: the scheduler starts posting stats as soon as it exists.
  post({ type: "ready", manifest: bundle.manifest, tokenizerJson, knowledge });
  let lastStats = 0;
  const events = new EventBatcher((batch) => post({ type: "events", events: batch }));
  const scheduler = new Scheduler(
    bundle,
    { maxBatchRows: init.maxBatchRows, previewEveryRows: init.previewEveryRows },
    (id, event) => events.emit(id, event),
    (stats) => {
      const now = performance.now();
      if (now - lastStats < STATS_EVERY_MS && stats.activeRows > 0) return;
      lastStats = now;
      post({ type: "stats", stats });
    },
  );
  port.on("message", async (msg: ToWorker) => {
    switch (msg.type) {
      case "submit":
        scheduler.submit(msg.spec);
        break;
      case "cancel":
        scheduler.cancel(msg.id);
        break;
      case "render":
        try {
          const images = await decodeGrids(bundle.vqDecoder, bundle.manifest, [msg.tokens]);
          post({
            type: "rendered",
            requestId: msg.requestId,
            png: encodePng(toRgb8(images, 0), images.size, images.size),
          });
        } catch (e) {
          post({ type: "rendered", requestId: msg.requestId, error: (e as Error).message });
        }
        break;
      case "tokenPatches":
        try {
          // Generations first: the patches are a nicety for watchers, a generation is what they wait for.
          const between = async () => {
            const until = performance.now() + PATCHES_SLICE_EVERY_MS;
            await nextTurn();
            while (busy(scheduler) && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
          };
          post({ type: "tokenPatches", patches: await tokenPatches(bundle.vqDecoder, bundle.manifest, between) });
        } catch (e) {
          post({ type: "tokenPatches", error: (e as Error).message });
        }
        break;
      case "close":
        await scheduler.close();
        await bundle.close();
        events.flush();
        post({ type: "closed" });
        port.close();
        break;
    }
  });
}

function busy(scheduler: Scheduler): boolean {
  const { activeRows, queued } = scheduler.stats();
  return activeRows > 0 || queued > 0;
}

void main();
