import { quoteIdentifier } from '@prepkit/db-cursors';
import type { ShardSpec } from '@prepkit/record-io';
import type { ColumnSpec } from './columns.js';

/**
 * The key as text in DuckDB, the same bytes `keyText` gives in TypeScript (and so the same `shardOf` and
 * `splitOf`): a string as it is, an integer in decimal, a timestamp as its microseconds since the epoch.
 */
export function shardKeySql(key: ColumnSpec): string {
  const column = quoteIdentifier(key.name);
  if (key.kind === 'utf8') return column;
  if (key.kind === 'timestamp') return `epoch_us(${column})::VARCHAR`;
  return `${column}::VARCHAR`;
}

/**
 * A `WHERE` condition keeping the rows of one shard: record-io's `shardOf` in DuckDB,
 * `('0x' || md5(key)[1:8])::UBIGINT % n = i`, with n and i as the parameters `$first`, `$first + 1`.
 */
export function shardCondition(key: ColumnSpec, first: number): string {
  return `('0x' || md5(${shardKeySql(key)})[1:8])::UBIGINT % $${first}::UBIGINT = $${first + 1}::UBIGINT`;
}

/** The parameters of `shardCondition`, in its order. */
export function shardParams(shard: ShardSpec): string[] {
  return [String(shard.count), String(shard.index)];
}
