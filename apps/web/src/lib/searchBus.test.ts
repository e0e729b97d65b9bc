import { describe, expect, it, vi } from "vitest";
import { REVEAL_WAIT_MS, SearchBus } from "./searchBus.ts";

const target = { cardId: "k", generationId: "g", candidateId: "c" };

describe("SearchBus", () => {
  it("holds a reveal until the candidate's tile takes it, once", () => {
    const bus = new SearchBus();
    const seen = vi.fn();
    bus.subscribe(seen);
    bus.reveal(target, 1000);
    expect(seen).toHaveBeenCalledTimes(1);
    expect(bus.pending(1500)).toEqual(target);
    expect(bus.take("other", 1500)).toBeNull();
    expect(bus.take("c", 1500)).toEqual(target);
    expect(bus.take("c", 1500)).toBeNull();
    expect(bus.pending(1500)).toBeNull();
  });

  it("forgets a reveal nobody took in time", () => {
    const bus = new SearchBus();
    bus.reveal(target, 0);
    expect(bus.pending(REVEAL_WAIT_MS)).toEqual(target);
    expect(bus.pending(REVEAL_WAIT_MS + 1)).toBeNull();
    expect(bus.take("c", REVEAL_WAIT_MS + 1)).toBeNull();
  });

  it("passes search requests to the board until it stops listening", () => {
    const bus = new SearchBus();
    const open = vi.fn();
    const off = bus.onOpenSearch(open);
    bus.openSearch({ tags: ["blue"] });
    off();
    bus.openSearch({ text: "x" });
    expect(open.mock.calls).toEqual([[{ tags: ["blue"] }]]);
  });
});
