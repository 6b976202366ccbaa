import { stableUnit } from '@prepkit/record-io';

/**
 * Where thread `rootId` falls in [0, 1): record-io's `stableUnit` of `"<seed>:<rootId>"` (SHA-256 based).
 * Depends on nothing but the seed and the root's snowflake, so every run, strategy and thread
 * count puts a thread on the same side.
 *
 * @example
 * splitPoint('0', '1069213455380336711'); // 0.9285…
 */
export function splitPoint(seed: string, rootId: string): number {
  return stableUnit(`${seed}:${rootId}`);
}

/** Whether a thread goes to the validation file: `splitPoint(seed, rootId) < validFraction`. */
export function isValidationThread(seed: string, rootId: string, validFraction: number): boolean {
  return splitPoint(seed, rootId) < validFraction;
}
