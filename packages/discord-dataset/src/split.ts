import { hash } from 'node:crypto';

const TWO_POW_53 = 2 ** 53;

/**
 * Where thread `rootId` falls in [0, 1): the first 8 bytes of `sha256("<seed>:<rootId>")` read as
 * a big-endian unsigned 64-bit integer, divided by 2^64 (computed on its top 53 bits, exactly).
 * Depends on nothing but the seed and the root's snowflake, so every run, strategy and thread
 * count puts a thread on the same side.
 *
 * @example
 * splitPoint('0', '1069213455380336711'); // 0.7361…
 */
export function splitPoint(seed: string, rootId: string): number {
  const digest = hash('sha256', `${seed}:${rootId}`, 'buffer');
  const top53 = digest.readBigUInt64BE(0) >> 11n;
  return Number(top53) / TWO_POW_53;
}

/** Whether a thread goes to the validation file: `splitPoint(seed, rootId) < validFraction`. */
export function isValidationThread(seed: string, rootId: string, validFraction: number): boolean {
  return splitPoint(seed, rootId) < validFraction;
}
