import { createHash } from 'node:crypto';

export type Split = 'train' | 'test';

/**
 * Train or test for a group key: the first 8 bytes of SHA-256 of `${seed}\0${key}`, as an unsigned
 * integer divided by 2^64, below `testFraction` means test. The same key lands on the same side in
 * every run, every mode and every DuckDB version (DuckDB's own hash() changed between releases).
 */
export function splitOf(key: string, seed: number, testFraction: number): Split {
  const digest = createHash('sha256').update(`${seed}\0${key}`).digest();
  const unit = Number(digest.readBigUInt64BE(0) >> 11n) / 2 ** 53;
  return unit < testFraction ? 'test' : 'train';
}
