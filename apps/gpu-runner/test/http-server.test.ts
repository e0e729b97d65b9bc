import type { AddressInfo } from "node:net";
import { float32FromBase64 } from "@tessera/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Runner } from "../src/runner.ts";
import { createRunnerServer } from "../src/server/http-server.ts";
import { fromWire, type WireEvent } from "../src/server/wire-events.ts";
import { BUNDLE_DIR } from "./helpers.ts";

describe("standalone runner over HTTP", () => {
  let runner: Runner;
  let base: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    runner = await Runner.create({ modelDir: BUNDLE_DIR, previewEveryRows: 0 });
    const server = createRunnerServer(runner);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await runner.close();
    };
  });
  afterAll(() => close?.());

  it("streams a generation as NDJSON with the same tokens as in-process", async () => {
    const request = { prompt: "a red star", n: 2, seed: 3 };
    const res = await fetch(`${base}/generate`, { method: "POST", body: JSON.stringify(request) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    const events = (await res.text())
      .trim()
      .split("\n")
      .map((l) => fromWire(JSON.parse(l) as WireEvent));
    expect(events[0]?.type).toBe("started");
    expect(events.at(-1)?.type).toBe("finished");
    const local: number[][] = [];
    for await (const e of runner.generate(request)) if (e.type === "candidateFinished") local[e.candidate] = e.tokens;
    const remote: number[][] = [];
    for (const e of events) if (e.type === "candidateFinished") remote[e.candidate] = e.tokens;
    expect(remote).toEqual(local);
  });

  it("cancels the generation when the client disconnects", async () => {
    const controller = new AbortController();
    const res = await fetch(`${base}/generate`, {
      method: "POST",
      body: JSON.stringify({ prompt: "a red star", n: 4, seed: 1 }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await new Promise((r) => setTimeout(r, 500));
    expect(runner.stats()).toMatchObject({ activeRows: 0, inFlight: 0 });
  });

  it("answers bad requests with 400 and a stable code, and unknown routes with 404", async () => {
    const bad = await fetch(`${base}/generate`, {
      method: "POST",
      body: JSON.stringify({ prompt: "", n: 1, seed: 0 }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "BAD_USER_INPUT" });
    const notJson = await fetch(`${base}/generate`, { method: "POST", body: "{" });
    expect(notJson.status).toBe(400);
    const big = await fetch(`${base}/generate`, { method: "POST", body: "x".repeat(70_000) });
    expect(big.status).toBe(400);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it("serves the model, stats and rendered PNGs", async () => {
    const model = (await (await fetch(`${base}/model`)).json()) as { gridRows: number; gridCols: number };
    expect(model).toMatchObject(runner.model());
    expect(await (await fetch(`${base}/stats`)).json()).toHaveProperty("activeRows");
    const tokens = new Array(model.gridRows * model.gridCols).fill(0);
    const png = await fetch(`${base}/render`, { method: "POST", body: JSON.stringify({ tokens }) });
    expect(png.headers.get("content-type")).toBe("image/png");
    expect(
      Buffer.from(await png.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe("PNG");
  });

  it("embeds a search text exactly as in-process, and refuses empty or oversized texts", async () => {
    const res = await fetch(`${base}/embed-text`, { method: "POST", body: JSON.stringify({ text: "蓝色 rocket" }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { embeddingBase64: string; tags: string[] };
    const local = await runner.embedText("蓝色 rocket");
    expect(float32FromBase64(body.embeddingBase64)).toEqual(local.embedding);
    expect(body.tags).toEqual(local.tags);
    for (const text of ["   ", "x".repeat(101), 42]) {
      const bad = await fetch(`${base}/embed-text`, { method: "POST", body: JSON.stringify({ text }) });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: "BAD_USER_INPUT" });
    }
  });
});
