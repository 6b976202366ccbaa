import { hash } from 'node:crypto';
import { UsageError } from '@prepkit/bench-harness/errors';
import { InvalidOptionError } from './errors.js';

/**
 * The shard (0 … shards-1) that `key` belongs to: the first 8 hex digits of `md5(key)` (its UTF-8 bytes)
 * read as an unsigned 32-bit integer, modulo `shards`. md5 is used because every tool has it, so a
 * user can reproduce the assignment anywhere:
 *
 * - PostgreSQL: `('x' || substr(md5(key), 1, 8))::bit(32)::bigint % n`
 * - Python: `int(hashlib.md5(key.encode()).hexdigest()[:8], 16) % n`
 * - DuckDB: `('0x' || md5(key)[1:8])::UBIGINT % n`
 *
 * It is a partition function, not a security measure. Pipelines put their seed into the key when the
 * assignment should depend on it.
 *
 * @example
 * shardOf('probe-1001', 8); // the same number on every machine, in every language
 */
export function shardOf(key: string, shards: number): number {
  if (!Number.isSafeInteger(shards) || shards < 1 || shards > 0xffffffff) {
    throw new InvalidOptionError(`shards must be an integer from 1 to 4294967295 (got ${String(shards)})`);
  }
  return hash('md5', key, 'buffer').readUInt32BE(0) % shards;
}

/** One shard of a set: `index` is 0-based, `count` the number of shards. */
export interface ShardSpec {
  readonly index: number;
  readonly count: number;
}

const SPEC = /^\s*(\d+)\s*\/\s*(\d+)\s*$/;

/**
 * Parses the `--shard i/n` flag: `'2/8'` → `{ index: 2, count: 8 }` (0-based, so `'0/8'` … `'7/8'`).
 * A malformed or out-of-range value throws a `UsageError` naming the flag and the value.
 */
export function parseShardSpec(value: string): ShardSpec {
  const match = SPEC.exec(value);
  const index = match === null ? NaN : Number(match[1]);
  const count = match === null ? NaN : Number(match[2]);
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count)) {
    throw new UsageError(`--shard must be i/n, for example 2/8 (got '${value}')`);
  }
  if (count < 1) throw new UsageError(`--shard ${value}: the shard count must be at least 1`);
  if (index >= count) {
    throw new UsageError(`--shard ${value}: the index is 0-based, so it must be from 0 to ${count - 1}`);
  }
  return Object.freeze({ index, count });
}
