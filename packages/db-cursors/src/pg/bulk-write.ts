import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { BulkWriteError, InvalidOptionError } from '../errors.js';
import { assertPositiveInteger } from '@prepkit/bench-harness/errors';
import { describeTable, quoteIdentifier, quoteTable } from '../identifiers.js';
import type { TableName } from '../identifiers.js';
import type { PgPoolLike } from './connection.js';
import { checkOut, describeFailure } from './connection.js';
import { encodeCopyRow } from './copy-text-encoder.js';
import { isTransientError, withRetry } from './transient-errors.js';
import type { RetryOptions } from './transient-errors.js';

/** Rows as objects keyed by column, or as arrays of values in `columns` order. */
export type BulkRow = Readonly<Record<string, unknown>> | readonly unknown[];

export interface BulkWriteOptions {
  table: TableName;
  /** Columns written, in the order of array rows. */
  columns: readonly string[];
  /** Batches of rows; each batch is COPYed to a staging table in one go. */
  batches: Iterable<readonly BulkRow[]> | AsyncIterable<readonly BulkRow[]>;
  /** Batches per transaction: a failure loses at most this many uncommitted batches. Default: 1. */
  commitEvery?: number;
  retry?: RetryOptions;
  signal?: AbortSignal;
  /** Called after each commit with the running totals, e.g. to report progress or save a checkpoint. */
  onCommit?: (totals: BulkWriteResult) => void;
}

export interface BulkUpdateOptions extends BulkWriteOptions {
  /** Columns that identify the row to update (part of `columns`). */
  key: string | readonly string[];
}

export interface BulkInsertOptions extends BulkWriteOptions {
  /** On a duplicate of this unique key: `update` the other columns, or do `nothing`. Default: plain INSERT. */
  onConflict?: { key: string | readonly string[]; action: 'update' | 'nothing' };
}

export interface BulkWriteResult {
  /** Rows the statements reported as updated or inserted. */
  rows: number;
  batches: number;
  commits: number;
}

/**
 * Updates rows in bulk: each batch is COPYed into a temporary staging table shaped like the target,
 * then applied with one `UPDATE … FROM`; a transaction commits every `commitEvery` batches. A
 * transient failure replays the uncommitted batches on a new connection (updates are idempotent);
 * any other failure rejects with a `BulkWriteError` saying how much was committed.
 */
export async function bulkUpdate(pool: PgPoolLike, options: BulkUpdateOptions): Promise<BulkWriteResult> {
  const key = toList(options.key);
  const missing = key.filter((k) => !options.columns.includes(k));
  if (missing.length > 0)
    throw new InvalidOptionError(`options.key column(s) ${missing.join(', ')} must be in options.columns`);
  const assigned = options.columns.filter((c) => !key.includes(c));
  if (assigned.length === 0)
    throw new InvalidOptionError('options.columns must hold a column to update besides the key');
  const target = quoteTable(options.table);
  const apply =
    `UPDATE ${target} AS t SET ${assigned.map((c) => `${quoteIdentifier(c)} = s.${quoteIdentifier(c)}`).join(', ')} ` +
    `FROM pg_temp.prepkit_stage AS s WHERE ${key.map((k) => `t.${quoteIdentifier(k)} = s.${quoteIdentifier(k)}`).join(' AND ')}`;
  return writeInTransactions(pool, options, apply, true);
}

/**
 * Inserts rows in bulk through a staging table (COPY, then `INSERT … SELECT`), committing every
 * `commitEvery` batches. With `onConflict`, re-running the same input is safe, so transient
 * failures are retried; a plain insert is retried only where the transaction surely did not commit.
 */
export async function bulkInsert(pool: PgPoolLike, options: BulkInsertOptions): Promise<BulkWriteResult> {
  const columns = options.columns.map(quoteIdentifier).join(', ');
  let conflict = '';
  if (options.onConflict !== undefined) {
    const key = toList(options.onConflict.key);
    const others = options.columns.filter((c) => !key.includes(c));
    conflict =
      ` ON CONFLICT (${key.map(quoteIdentifier).join(', ')}) ` +
      (options.onConflict.action === 'nothing' || others.length === 0
        ? 'DO NOTHING'
        : `DO UPDATE SET ${others.map((c) => `${quoteIdentifier(c)} = EXCLUDED.${quoteIdentifier(c)}`).join(', ')}`);
  }
  const apply = `INSERT INTO ${quoteTable(options.table)} (${columns}) SELECT ${columns} FROM pg_temp.prepkit_stage${conflict}`;
  return writeInTransactions(pool, options, apply, options.onConflict !== undefined);
}

async function writeInTransactions(
  pool: PgPoolLike,
  options: BulkWriteOptions,
  apply: string,
  idempotent: boolean,
): Promise<BulkWriteResult> {
  const commitEvery = options.commitEvery ?? 1;
  assertPositiveInteger('commitEvery', commitEvery);
  if (options.columns.length === 0)
    throw new InvalidOptionError('options.columns must name at least one column');
  const what = `bulk write to ${describeTable(options.table)}`;
  const columns = options.columns.map(quoteIdentifier).join(', ');
  const stage =
    `CREATE TEMP TABLE prepkit_stage ON COMMIT DROP AS ` +
    `SELECT ${columns} FROM ${quoteTable(options.table)} WITH NO DATA`;
  const totals: BulkWriteResult = { rows: 0, batches: 0, commits: 0 };
  let pending: (readonly BulkRow[])[] = [];

  const commitPending = async (): Promise<void> => {
    const batches = pending;
    let committing = false;
    const rows = await withRetry(
      async () => {
        committing = false;
        const { client, release } = await checkOut(pool);
        let ok = false;
        try {
          await client.query('BEGIN');
          await client.query(stage);
          let applied = 0;
          for (const batch of batches) {
            await copyRows(client, columns, options.columns, batch);
            applied += (await client.query(apply)).rowCount ?? 0;
            await client.query('TRUNCATE pg_temp.prepkit_stage');
          }
          committing = true;
          await client.query('COMMIT');
          ok = true;
          return applied;
        } finally {
          if (!ok) await client.query('ROLLBACK').catch(() => undefined);
          release(!ok);
        }
      },
      {
        ...options.retry,
        signal: options.signal,
        // A plain insert that failed while committing may have committed: replaying could duplicate rows.
        ...(idempotent ? {} : { retries: 0 }),
      },
    ).catch((error: unknown) => {
      const cause = describeFailure(what, error);
      const ambiguous = committing && !idempotent && isTransientError(error);
      throw new BulkWriteError(
        `${cause.message}${ambiguous ? ' (the connection broke during COMMIT: the last transaction may or may not be applied)' : ''}; ` +
          `${totals.batches} batch(es), ${totals.rows} row(s) committed before the failure`,
        totals,
        { cause },
      );
    });
    totals.rows += rows;
    totals.batches += batches.length;
    totals.commits++;
    pending = [];
    options.onCommit?.({ ...totals });
  };

  for await (const batch of options.batches) {
    options.signal?.throwIfAborted();
    if (batch.length === 0) continue;
    pending.push(batch);
    if (pending.length === commitEvery) await commitPending();
  }
  if (pending.length > 0) await commitPending();
  return totals;
}

async function copyRows(
  client: pg.PoolClient,
  quotedColumns: string,
  columns: readonly string[],
  rows: readonly BulkRow[],
): Promise<void> {
  const lines = function* (): Generator<string> {
    let chunk = '';
    for (const row of rows) {
      chunk += encodeCopyRow(
        Array.isArray(row) ? row : columns.map((c) => (row as Record<string, unknown>)[c]),
      );
      if (chunk.length > 65_536) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk.length > 0) yield chunk;
  };
  await pipeline(
    Readable.from(lines()),
    client.query(copyFrom(`COPY pg_temp.prepkit_stage (${quotedColumns}) FROM STDIN`)),
  );
}

function toList(key: string | readonly string[]): string[] {
  const list = typeof key === 'string' ? [key] : [...key];
  if (list.length === 0) throw new InvalidOptionError('a key must name at least one column');
  return list;
}
