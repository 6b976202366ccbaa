import { createHash } from 'node:crypto';

/**
 * sfc32 (Chris Doty-Humphrey's small fast counting PRNG): a 128-bit state and its step, for
 * generators that seed it their own way. Same numbers on every platform and Node version.
 */
export class Sfc32 {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(a: number, b: number, c: number, d: number) {
    this.#a = a;
    this.#b = b;
    this.#c = c;
    this.#d = d;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }
}

/**
 * A seeded PRNG (sfc32) whose 128-bit state comes from SHA-256 of the seed string, so that every
 * platform and Node version draws the same numbers for the same seed: what the `generate`
 * commands and benchmarks use to make the same synthetic data every time.
 *
 * @example
 * const rng = new Prng('bench');
 * rng.int(6); // 0..5, the same on every run
 */
export class Prng extends Sfc32 {
  #spare: number | undefined;

  constructor(seed: string) {
    const digest = createHash('sha256').update(seed).digest();
    super(digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12));
  }

  /** A uniform number in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A standard normal deviate (Box–Muller; the second of each pair is kept for the next call). */
  normal(): number {
    if (this.#spare !== undefined) {
      const spare = this.#spare;
      this.#spare = undefined;
      return spare;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * this.next();
    this.#spare = r * Math.sin(angle);
    return r * Math.cos(angle);
  }

  /** One element of `items`, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}
