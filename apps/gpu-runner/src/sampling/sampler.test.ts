import { describe, expect, it } from "vitest";
import { CandidateRng } from "./prng.ts";
import { TokenSampler } from "./sampler.ts";

const plain = { temperature: 1, topK: 0, topP: 1, guidanceScale: 1 };

function histogram(logits: number[], settings: typeof plain, uncond: number[] | null = null, draws = 4000) {
  const sampler = new TokenSampler(logits.length);
  const rng = new CandidateRng(1, 0);
  const counts = new Array(logits.length).fill(0);
  const cond = Float32Array.from(logits);
  const un = uncond ? Float32Array.from(uncond) : null;
  for (let i = 0; i < draws; i++) counts[sampler.sample(cond, un, settings, rng)]++;
  return counts.map((c) => c / draws);
}

describe("TokenSampler", () => {
  it("takes the argmax for top-k 1, the lowest index on ties", () => {
    const sampler = new TokenSampler(4);
    const rng = new CandidateRng(1, 0);
    expect(sampler.sample(Float32Array.from([0, 3, 3, 1]), null, { ...plain, topK: 1 }, rng)).toBe(1);
  });

  it("applies guidance as uncond + g·(cond − uncond) before choosing", () => {
    const sampler = new TokenSampler(3);
    const rng = new CandidateRng(1, 0);
    // cond prefers 0 only slightly; the guided logits at g = 3 prefer 0 clearly, at g = 0 prefer 2.
    const cond = Float32Array.from([1, 0, 0.9]);
    const uncond = Float32Array.from([0, 0, 1]);
    expect(sampler.sample(cond, uncond, { ...plain, topK: 1, guidanceScale: 3 }, rng)).toBe(0);
    expect(sampler.sample(cond, uncond, { ...plain, topK: 1, guidanceScale: 0 }, rng)).toBe(2);
  });

  it("samples in proportion to softmax(logits / temperature)", () => {
    const p = histogram([Math.log(1), Math.log(3)], plain);
    expect(p[1]).toBeCloseTo(0.75, 1);
    const hot = histogram([Math.log(1), Math.log(3)], { ...plain, temperature: 100 });
    expect(hot[1]).toBeCloseTo(0.5, 1);
  });

  it("never picks outside the top k", () => {
    const p = histogram([5, 4, 3, 2, 1], { ...plain, topK: 2 });
    expect(p[2]! + p[3]! + p[4]!).toBe(0);
    expect(p[0]! + p[1]!).toBe(1);
  });

  it("keeps the smallest set whose mass reaches top-p", () => {
    // probabilities 0.5, 0.3, 0.2: top-p 0.7 keeps the first two.
    const p = histogram([Math.log(0.5), Math.log(0.3), Math.log(0.2)], { ...plain, topP: 0.7 });
    expect(p[2]).toBe(0);
    expect(p[0]).toBeCloseTo(0.625, 1);
  });

  it("is deterministic for a given PRNG stream", () => {
    const logits = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));
    const run = () => {
      const sampler = new TokenSampler(64);
      const rng = new CandidateRng(9, 2);
      return Array.from({ length: 50 }, () => sampler.sample(logits, null, { ...plain, topP: 0.9 }, rng));
    };
    expect(run()).toEqual(run());
  });
});

describe("top-k threshold", () => {
  it("keeps exactly the k largest of many random logits", () => {
    const rng = new CandidateRng(3, 0);
    const sampler = new TokenSampler(512);
    for (let trial = 0; trial < 20; trial++) {
      const logits = Float32Array.from({ length: 512 }, () => rng.nextFloat() * 10);
      const allowed = new Set([...logits.keys()].sort((a, b) => logits[b]! - logits[a]! || a - b).slice(0, 7));
      for (let i = 0; i < 30; i++) {
        expect(allowed.has(sampler.sample(logits, null, { ...plain, topK: 7, temperature: 5 }, rng))).toBe(true);
      }
    }
  });
});

describe("top-k with ties", () => {
  it("keeps every logit tied with the k-th largest", () => {
    const p = histogram([5, 1, 5, 1, 5], { ...plain, topK: 2 });
    expect(p[1]! + p[3]!).toBe(0);
    expect(p[0]! > 0 && p[2]! > 0 && p[4]! > 0).toBe(true);
  });
});
