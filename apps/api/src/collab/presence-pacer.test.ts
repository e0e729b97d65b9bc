import { afterEach, describe, expect, it, vi } from "vitest";
import { PRESENCE_BUDGET, PresencePacer, presenceIntervalMs } from "./presence-pacer.ts";

const m = (n: number) => new Uint8Array([n]);

describe("presenceIntervalMs", () => {
  it("keeps what each collaborator receives near the budget, whatever the room's size", () => {
    expect(presenceIntervalMs(2)).toBe(50);
    expect(presenceIntervalMs(4)).toBe(50);
    for (const n of [10, 30, 100]) {
      const received = ((n - 1) * 1000) / presenceIntervalMs(n); // updates a second from everyone else
      expect(received).toBeGreaterThan(PRESENCE_BUDGET * 0.95);
      expect(received).toBeLessThan(PRESENCE_BUDGET * 1.05);
    }
  });
});

describe("PresencePacer", () => {
  afterEach(() => vi.useRealTimers());

  it("sends at most one update per interval, and always the latest held one when its turn comes", () => {
    vi.useFakeTimers();
    let now = 0;
    const sent: number[] = [];
    const pacer = new PresencePacer(
      (x) => sent.push(x[0]!),
      () => now,
    );
    pacer.offer(m(1), 500);
    for (let i = 2; i <= 6; i++) {
      now += 50;
      vi.advanceTimersByTime(50);
      pacer.offer(m(i), 500);
    }
    expect(sent).toEqual([1]);
    now = 500;
    vi.advanceTimersByTime(250);
    expect(sent).toEqual([1, 6]); // the cursor ends where it stopped
    expect(pacer.held).toBe(4);
  });

  it("never holds back a leave, and sends nothing after the connection closed", () => {
    vi.useFakeTimers();
    let now = 0;
    const sent: number[] = [];
    const pacer = new PresencePacer(
      (x) => sent.push(x[0]!),
      () => now,
    );
    pacer.offer(m(1), 500);
    now = 10;
    pacer.offer(m(2), 500);
    pacer.offer(m(0), 500, true);
    expect(sent).toEqual([1, 0]);
    now = 20;
    pacer.offer(m(3), 500);
    pacer.cancel();
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual([1, 0]);
  });
});
