import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { InvalidOptionError } from '../errors.js';
import { assertPositiveInteger } from '@prepkit/bench-harness/errors';
import { checkOut, describeFailure } from './connection.js';
import type { PgPoolLike } from './connection.js';
import { columnKind } from './copy-columns.js';
import type { CopyColumn } from './copy-columns.js';
import { CopyBinaryParser, binaryUnsupported } from './copy-binary-parser.js';
import { CopyTextParser } from './copy-text-parser.js';
import type { Int8Mode } from './int8.js';
import { inlineParameters } from './sql-literals.js';

export interface CopyOutOptions {
  /** Values for `$1…$n` in the query; inlined as quoted literals, since COPY takes no bind parameters. */
  params?: readonly unknown[];
  /** Rows per batch. Default: 16,384. */
  batchSize?: number;
  /**
   * COPY's wire format. `binary` skips the text round trip for numbers and timestamps; it reads
   * bool, integer, float, oid, timestamp(tz), text, varchar, char, name and json columns, and
   * refuses others (numeric, arrays, jsonb…) with an error naming them. Default: `text`.
   */
  format?: 'text' | 'binary';
  /** How `rows()` returns bigint columns (the columnar form is always a BigInt64Array). Default: `string`. */
  int8?: Int8Mode;
  signal?: AbortSignal;
}

/** One batch of rows in columnar form, with a row-object view for convenience. */
export interface CopyBatch {
  readonly length: number;
  readonly columns: readonly CopyColumn[];
  /** The column called `name`; throws if there is none. */
  column(name: string): CopyColumn;
  /** The batch as row objects, values typed as node-postgres would type them. */
  rows<Row = Record<string, unknown>>(): Row[];
}

/**
 * Streams a query's result with `COPY (query) TO STDOUT` and parses it into columnar batches:
 * typed arrays for numbers, booleans and timestamps, strings for the rest. It reads at the speed
 * of the COPY protocol rather than of row-by-row query results.
 *
 * @example
 * for await (const batch of copyOut(pool, 'SELECT id, score FROM items WHERE day = $1', { params: [day] })) {
 *   const scores = batch.column('score').values as Float64Array;
 * }
 */
export async function* copyOut(
  pool: PgPoolLike,
  query: string,
  options: CopyOutOptions = {},
): AsyncGenerator<CopyBatch> {
  const batchSize = options.batchSize ?? 16_384;
  assertPositiveInteger('batchSize', batchSize);
  const sql = query.trim().replace(/;+\s*$/, '');
  const int8 = options.int8 ?? 'string';
  let lease: Awaited<ReturnType<typeof checkOut>>;
  try {
    lease = await checkOut(pool);
  } catch (error) {
    throw describeFailure('copyOut', error);
  }
  const client = lease.client;
  let broken = false;
  try {
    const params = [...(options.params ?? [])];
    let described: pg.QueryResult;
    try {
      described = await client.query(`SELECT * FROM (${sql}) AS prepkit_copy LIMIT 0`, params);
    } catch (error) {
      throw describeFailure('copyOut', error);
    }
    const specs = described.fields.map((f) => ({
      name: f.name,
      typeOid: f.dataTypeID,
      kind: columnKind(f.dataTypeID),
    }));
    const binary = options.format === 'binary';
    const unsupported = binary ? binaryUnsupported(specs) : [];
    if (unsupported.length > 0) {
      throw new InvalidOptionError(
        `copyOut: binary format cannot read column(s) ${unsupported.map((c) => `"${c.name}" (type oid ${c.typeOid})`).join(', ')}; use format: 'text'`,
      );
    }
    const parser = binary ? new CopyBinaryParser(specs, batchSize) : new CopyTextParser(specs, batchSize);
    const text = inlineParameters(sql, params, (v) => client.escapeLiteral(v));
    const stream = client.query(copyTo(`COPY (${text}) TO STDOUT${binary ? ' (FORMAT binary)' : ''}`));
    const abort = () =>
      stream.destroy(options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted'));
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
      for await (const chunk of stream) {
        for (const columns of parser.push(chunk as Buffer)) yield makeBatch(columns, int8);
      }
      const rest = parser.finish();
      if (rest !== undefined) yield makeBatch(rest, int8);
    } catch (error) {
      broken = true;
      options.signal?.throwIfAborted();
      throw describeFailure(`copyOut (after ${parser.rowsParsed} rows)`, error);
    } finally {
      options.signal?.removeEventListener('abort', abort);
      if (!stream.readableEnded) {
        // The consumer stopped early (or the read failed) mid-COPY. PostgreSQL cannot stop a COPY TO
        // without a cancel request, and pg-copy-streams holds the socket paused, so a polite close
        // would wait forever: drop the socket; the server ends the COPY when it sees it gone.
        broken = true;
        stream.destroy();
        socketOf(client)?.destroy();
      }
    }
  } finally {
    lease.release(broken);
  }
}

/** Like `copyOut`, one row object at a time. */
export async function* copyOutRows<Row = Record<string, unknown>>(
  pool: PgPoolLike,
  query: string,
  options: CopyOutOptions = {},
): AsyncGenerator<Row> {
  for await (const batch of copyOut(pool, query, options)) yield* batch.rows<Row>();
}

/** node-postgres's socket: internal, but the one pg-copy-streams itself drives. */
function socketOf(client: pg.PoolClient): { destroy(): void } | undefined {
  return (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
}

const defaultParser = pg.types.getTypeParser as (oid: number, format?: 'text') => (value: string) => unknown;

function makeBatch(columns: CopyColumn[], int8: Int8Mode): CopyBatch {
  const length = columns[0]?.nulls.length ?? 0;
  return {
    length,
    columns,
    column(name) {
      const found = columns.find((c) => c.name === name);
      if (found === undefined)
        throw new InvalidOptionError(
          `no column "${name}" (columns: ${columns.map((c) => c.name).join(', ')})`,
        );
      return found;
    },
    rows<Row>() {
      const readers = columns.map((column) => valueReader(column, int8));
      const rows = new Array<Row>(length);
      for (let r = 0; r < length; r++) {
        const row: Record<string, unknown> = {};
        for (let c = 0; c < columns.length; c++)
          row[columns[c]!.name] = columns[c]!.nulls[r] === 1 ? null : readers[c]!(r);
        rows[r] = row as Row;
      }
      return rows;
    },
  };
}

function valueReader(column: CopyColumn, int8: Int8Mode): (row: number) => unknown {
  const values = column.values;
  switch (column.kind) {
    case 'bool':
      return (r) => (values as Uint8Array)[r] === 1;
    case 'int32':
    case 'float64':
      return (r) => (values as Float64Array)[r];
    case 'int64':
      return int8 === 'bigint'
        ? (r) => (values as BigInt64Array)[r]
        : (r) => String((values as BigInt64Array)[r]);
    case 'timestamp':
      return (r) => new Date((values as Float64Array)[r]!);
    case 'text': {
      const parse = defaultParser(column.typeOid, 'text');
      return (r) => parse((values as string[])[r]!);
    }
  }
}
