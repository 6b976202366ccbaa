import type pg from 'pg';
import { InvalidOptionError } from '../errors.js';
import { assertPositiveInteger } from '@prepkit/bench-harness/errors';
import { describeTable, quoteIdentifier, quoteTable } from '../identifiers.js';
import type { TableName } from '../identifiers.js';
import { describeFailure } from './connection.js';
import type { PgPoolLike } from './connection.js';
import { withRetry } from './transient-errors.js';
import type { RetryOptions } from './transient-errors.js';
import { int8Types } from './int8.js';
import type { Int8Mode } from './int8.js';

export interface KeysetPagesOptions {
  table: TableName;
  /** The ordering key: one column or several (compared as a row, so it needs a matching index). */
  key: string | readonly string[];
  /** Columns to return. Default: all (`*`). The key columns are always returned. */
  columns?: readonly string[];
  /** An SQL condition with `$1…$n` placeholders for `params`, e.g. `embedding IS NULL AND channel = $1`. */
  where?: string;
  params?: readonly unknown[];
  /** Rows per page. Default: 10,000. */
  pageSize?: number;
  /** Start after this key (one value per key column): resume a run where it stopped. */
  after?: readonly unknown[];
  /** How bigint (int8) columns come back: `string` (pg's default) or `bigint`. Never a lossy number. */
  int8?: Int8Mode;
  retry?: RetryOptions;
  signal?: AbortSignal;
}

export interface KeysetPage<Row> {
  readonly rows: Row[];
  /** The key of the page's last row: pass it as `after` to resume after this page. */
  readonly lastKey: readonly unknown[];
}

/**
 * Pages through a table in key order with `WHERE (key) > ($last) ORDER BY key LIMIT n`: every
 * page costs the same, however deep (OFFSET pays for every skipped row). Each page is one
 * statement, retried on a fresh connection after a transient failure, so a terminated backend
 * costs neither a lost nor a repeated row.
 *
 * @example
 * for await (const page of keysetPages(pool, { table: 'messages', key: 'id', where: 'embedding IS NULL' })) { … }
 */
export async function* keysetPages<Row extends pg.QueryResultRow = Record<string, unknown>>(
  pool: PgPoolLike,
  options: KeysetPagesOptions,
): AsyncGenerator<KeysetPage<Row>> {
  const key = typeof options.key === 'string' ? [options.key] : [...options.key];
  const pageSize = options.pageSize ?? 10_000;
  if (key.length === 0) throw new InvalidOptionError('options.key must name at least one column');
  assertPositiveInteger('pageSize', pageSize);
  if (options.after !== undefined && options.after.length !== key.length) {
    throw new InvalidOptionError(`options.after must hold ${key.length} value(s), one per key column`);
  }
  const params = [...(options.params ?? [])];
  const keyList = key.map(quoteIdentifier).join(', ');
  const columns =
    options.columns === undefined
      ? '*'
      : [...new Set([...key, ...options.columns])].map(quoteIdentifier).join(', ');
  const userWhere = options.where === undefined ? undefined : `(${options.where})`;
  const firstKeyParam = params.length + 1;
  const afterKey = `(${keyList}) > (${key.map((_, i) => `$${firstKeyParam + i}`).join(', ')})`;
  const base = `SELECT ${columns} FROM ${quoteTable(options.table)}`;
  const order = ` ORDER BY ${keyList} LIMIT ${pageSize}`;
  const types = int8Types(options.int8 ?? 'string');
  const what = `keysetPages(${describeTable(options.table)})`;

  let last = options.after;
  for (;;) {
    options.signal?.throwIfAborted();
    const conditions = [userWhere, last === undefined ? undefined : afterKey].filter((c) => c !== undefined);
    const text = base + (conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '') + order;
    const values = last === undefined ? params : [...params, ...last];
    let rows: Row[];
    try {
      rows = await withRetry(async () => (await pool.query<Row>({ text, values, types })).rows, {
        ...options.retry,
        signal: options.signal,
      });
    } catch (error) {
      throw describeFailure(what, error);
    }
    if (rows.length === 0) return;
    const tail = rows[rows.length - 1] as Record<string, unknown>;
    last = key.map((column) => tail[column]);
    yield { rows, lastKey: last };
    if (rows.length < pageSize) return;
  }
}
