import { Sfc32 } from '@prepkit/bench-harness';

/**
 * A small seeded PRNG (sfc32, seeded through splitmix32 from a seed and a stream number), so that
 * independent streams (one per chunk of samples, one per ticker) are reproducible on any thread.
 */
export class Rng extends Sfc32 {
  #spare: number | undefined;

  constructor(seed: number, stream = 0) {
    let s = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul((seed / 0x100000000) | 0, 0x85ebca6b)) >>> 0;
    s = (s ^ Math.imul(stream | 0, 0xc2b2ae35) ^ Math.imul((stream / 0x100000000) | 0, 0x27d4eb2f)) >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    super(next(), next(), next(), next()); // arguments are evaluated left to right
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    return ((this.nextUint32() >>> 5) * 67108864 + (this.nextUint32() >>> 6)) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    if (this.#spare !== undefined) {
      const s = this.#spare;
      this.#spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}
