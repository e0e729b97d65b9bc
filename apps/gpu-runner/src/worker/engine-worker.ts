import { readFile } from "node:fs/promises";
import path from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { BundleError } from "../bundle/bundle-error.ts";
import { type Bundle, loadBundle } from "../bundle/load-bundle.ts";
import { type BundleKnowledge, readKnowledge } from "../bundle/read-knowledge.ts";
import type { TagIndexSource } from "../engine/job-output.ts";
import { Scheduler } from "../engine/scheduler.ts";
import { imageEmbeddings, textEmbeddings } from "../render/clip-ranker.ts";
import { decodeGrids, encodeImage, encodePng, toRgb8 } from "../render/images.ts";
import { buildTagIndex } from "../render/tag-index.ts";
import { pickTags, scoreTags, tagWordsOf } from "../render/tagger.ts";
import { nextTurn, tokenPatches } from "../render/token-patches.ts";
import { PromptEncoder } from "../text/prompt-encoder.ts";
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
  const tagIndex = startTagIndex(bundle, tokenizerJson, knowledge, () => scheduler);
  const scheduler: Scheduler = new Scheduler(
    bundle,
    { maxBatchRows: init.maxBatchRows, previewEveryRows: init.previewEveryRows, tagIndex },
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
      case "embedText":
        try {
          const [embedding] = await textEmbeddings(bundle.clipText, bundle.manifest, [msg.ids]);
          post({ type: "textEmbedded", requestId: msg.requestId, embedding: Float32Array.from(embedding!) });
        } catch (e) {
          post({ type: "textEmbedded", requestId: msg.requestId, error: (e as Error).message });
        }
        break;
      case "describeGrids":
        try {
          const images = await decodeGrids(bundle.vqDecoder, bundle.manifest, msg.grids);
          const embeddings = await imageEmbeddings(bundle.clipVision, bundle.manifest, images);
          const index = await tagIndex();
          post({
            type: "gridsDescribed",
            requestId: msg.requestId,
            descriptions: embeddings.map((precise) => {
              const embedding = Float32Array.from(precise);
              return { embedding, tags: index ? pickTags(scoreTags(index, embedding)) : [] };
            }),
          });
        } catch (e) {
          post({ type: "gridsDescribed", requestId: msg.requestId, error: (e as Error).message });
        }
        break;
      case "readPicture":
        try {
          const tokens = await encodeImage(bundle.vqEncoder, msg.rgb, msg.size);
          // Embedded and tagged as the codes decode, like a generated candidate: what people see is what
          // search finds.
          const images = await decodeGrids(bundle.vqDecoder, bundle.manifest, [tokens]);
          const [precise] = await imageEmbeddings(bundle.clipVision, bundle.manifest, images);
          const embedding = Float32Array.from(precise!); // stored and tagged in float32, as candidates are
          const index = await tagIndex();
          post({
            type: "pictureRead",
            requestId: msg.requestId,
            reading: {
              tokens,
              png: encodePng(toRgb8(images, 0), images.size, images.size),
              embedding,
              tags: index ? pickTags(scoreTags(index, embedding)) : [],
            },
          });
        } catch (e) {
          post({ type: "pictureRead", requestId: msg.requestId, error: (e as Error).message });
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

/**
 * Builds the bundle's tag index (every tag word's text embedding, ~1.3 s of one core for the sticker bundle) in
 * the background from start-up, in slices that give way to generations. The first job to finish before it is
 * done asks for it, and from then on it is built without pausing: that job's candidates wait for their tags
 * rather than being stored without them. A failure leaves candidates untagged, never fails a generation.
 */
function startTagIndex(
  bundle: Bundle,
  tokenizerJson: Record<string, unknown>,
  knowledge: BundleKnowledge,
  scheduler: () => Scheduler,
): TagIndexSource {
  const words = tagWordsOf(knowledge.concepts);
  if (words.length === 0) return async () => null;
  let urgent = false;
  const encoder = new PromptEncoder(tokenizerJson, bundle.manifest, knowledge.vocabulary);
  const between = async () => {
    if (urgent) return;
    const until = performance.now() + PATCHES_SLICE_EVERY_MS;
    await nextTurn();
    while (!urgent && busy(scheduler()) && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
  };
  const index = (async () => {
    await nextTurn();
    return buildTagIndex(bundle.clipText, bundle.manifest, encoder, words, between);
  })().catch((e: unknown) => {
    console.warn(`tessera runner: zero-shot tags are off, their words could not be embedded (${(e as Error).message})`);
    return null;
  });
  return () => {
    urgent = true;
    return index;
  };
}

function busy(scheduler: Scheduler): boolean {
  const { activeRows, queued } = scheduler.stats();
  return activeRows > 0 || queued > 0;
}

void main();
