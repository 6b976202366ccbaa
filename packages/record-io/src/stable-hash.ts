import { hash } from 'node:crypto';

const TWO_POW_53 = 2 ** 53;

/**
 * Where `key` falls in [0, 1): the first 8 bytes of `sha256(key)` read as a big-endian unsigned 64-bit
 * integer, divided by 2^64 (computed exactly on its top 53 bits). It depends on nothing but the key's
 * UTF-8 bytes, so every run, mode, thread count, platform and DuckDB version assigns a key the same way
 * (DuckDB's own `hash()` changed between releases). Pipelines put their seed into the key.
 *
 * @example
 * stableUnit('0:1069213455380336711'); // 0.9285…: that Discord thread goes to train at --valid-fraction 0.05
 */
export function stableUnit(key: string): number {
  const top53 = hash('sha256', key, 'buffer').readBigUInt64BE(0) >> 11n;
  return Number(top53) / TWO_POW_53;
}
