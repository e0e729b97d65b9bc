/**
 * The runner's documented PRNG, so (bundle, prompt, params, seed) gives the same tokens on every run and
 * machine: xoshiro128** (Blackman & Vigna) on 32-bit integer arithmetic only, seeded by SplitMix32 from
 * the request seed and the candidate index. Candidate i of seed s always draws the same sequence, no
 * matter which other candidates or requests share the batch.
 */
export class CandidateRng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number, candidate: number) {
    // SplitMix32 over a state derived from both numbers; distinct (seed, candidate) pairs give distinct streams.
    let x = (Math.imul(seed >>> 0, 0x9e3779b9) ^ Math.imul(candidate + 1, 0x85ebca6b)) >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 24 bits, exact in float32 and float64 alike. */
  nextFloat(): number {
    return (this.nextUint32() >>> 8) / 16777216;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
