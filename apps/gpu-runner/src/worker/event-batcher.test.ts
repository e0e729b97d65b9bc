import type { RunnerEvent } from "@tessera/shared";
import { describe, expect, it } from "vitest";
import { type EmittedEvent, EventBatcher } from "./event-batcher.ts";

const tokens = (candidate: number): RunnerEvent => ({ type: "tokens", candidate, start: 0, tokens: [candidate] });

describe("EventBatcher", () => {
  it("posts what is emitted in one synchronous stretch as one message, in order, each with its own time", async () => {
    const posts: EmittedEvent[][] = [];
    const batcher = new EventBatcher((events) => posts.push(events));
    batcher.emit("g", tokens(0));
    batcher.emit("g", tokens(1));
    batcher.emit("h", { type: "finished", timings: {} as never });
    expect(posts).toHaveLength(0);
    await Promise.resolve();
    expect(posts).toHaveLength(1);
    expect(posts[0]!.map((e) => [e.id, e.event.type])).toEqual([
      ["g", "tokens"],
      ["g", "tokens"],
      ["h", "finished"],
    ]);
    expect(posts[0]![0]!.at).toBeLessThanOrEqual(posts[0]![2]!.at);
  });

  it("does not hold an event for a later one: an await between emits makes two messages", async () => {
    const posts: EmittedEvent[][] = [];
    const batcher = new EventBatcher((events) => posts.push(events));
    batcher.emit("g", tokens(0));
    await new Promise((r) => setTimeout(r, 1));
    batcher.emit("g", tokens(1));
    await Promise.resolve();
    expect(posts.map((p) => p.length)).toEqual([1, 1]);
    batcher.flush(); // nothing left: no empty message
    expect(posts).toHaveLength(2);
  });
});
