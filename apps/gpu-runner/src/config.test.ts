import path from "node:path";
import { TesseraError } from "@tessera/shared";
import { describe, expect, it } from "vitest";
import { repoRoot, resolveOptions } from "./config.ts";

describe("resolveOptions", () => {
  it("defaults to the repo's bundle and the CPU provider, whatever the cwd", () => {
    const o = resolveOptions({}, {});
    expect(o.modelDir).toBe(path.join(repoRoot(), "models", "tessera-sticker"));
    expect(o.executionProviders).toEqual(["cpu"]);
    expect(o.intraOpThreads).toBe(0);
    expect(o.spinWait).toBe(true);
    expect(o.niceness).toBe(0);
    expect(o.idleScheduling).toBe(false);
  });

  it("reads TESSERA_ENGINE_NICE within 0–19; an explicit option wins", () => {
    expect(resolveOptions({}, { TESSERA_ENGINE_NICE: "10" }).niceness).toBe(10);
    expect(resolveOptions({ niceness: 3 }, { TESSERA_ENGINE_NICE: "10" }).niceness).toBe(3);
    expect(() => resolveOptions({}, { TESSERA_ENGINE_NICE: "20" })).toThrow(/TESSERA_ENGINE_NICE/);
    expect(() => resolveOptions({ niceness: -1 }, {})).toThrow(/TESSERA_ENGINE_NICE/);
  });

  it("reads TESSERA_ENGINE_IDLE as a switch; an explicit option wins", () => {
    expect(resolveOptions({}, { TESSERA_ENGINE_IDLE: "1" }).idleScheduling).toBe(true);
    expect(resolveOptions({ idleScheduling: false }, { TESSERA_ENGINE_IDLE: "on" }).idleScheduling).toBe(false);
    expect(() => resolveOptions({}, { TESSERA_ENGINE_IDLE: "sometimes" })).toThrow(/TESSERA_ENGINE_IDLE/);
  });

  it("reads TESSERA_SPIN_WAIT as a switch; an explicit option wins", () => {
    expect(resolveOptions({}, { TESSERA_SPIN_WAIT: "0" }).spinWait).toBe(false);
    expect(resolveOptions({}, { TESSERA_SPIN_WAIT: "on" }).spinWait).toBe(true);
    expect(resolveOptions({ spinWait: false }, { TESSERA_SPIN_WAIT: "1" }).spinWait).toBe(false);
    expect(() => resolveOptions({}, { TESSERA_SPIN_WAIT: "maybe" })).toThrow(/TESSERA_SPIN_WAIT/);
  });

  it("reads TESSERA_MODEL_DIR (relative to the repo), TESSERA_EP and TESSERA_THREADS", () => {
    const o = resolveOptions({}, { TESSERA_MODEL_DIR: "models/x", TESSERA_EP: "cuda, cpu", TESSERA_THREADS: "2" });
    expect(o.modelDir).toBe(path.join(repoRoot(), "models", "x"));
    expect(o.executionProviders).toEqual(["cuda", "cpu"]);
    expect(o.intraOpThreads).toBe(2);
  });

  it("rejects unknown providers and bad counts with a typed error", () => {
    expect(() => resolveOptions({}, { TESSERA_EP: "tpu" })).toThrow(TesseraError);
    expect(() => resolveOptions({}, { TESSERA_THREADS: "-1" })).toThrow(/TESSERA_THREADS/);
    expect(() => resolveOptions({ maxBatchRows: 1 }, {})).toThrow(/maxBatchRows/);
  });
});
