import { existsSync } from 'node:fs';
import { openDuckDB, quoteIdentifier } from '@prepkit/db-cursors';
import type { DuckDB } from '@prepkit/db-cursors';
import { openParquetWriter } from '@prepkit/record-io';
import type { Bars } from './bars.js';
import { allocateBars, barCount } from './bars.js';
import { MarketSamplesInputError } from './errors.js';

/** Accepted names of the time column (case-insensitive), in order of preference. */
export const TIME_COLUMN_NAMES = ['time', 'timestamp', 'datetime', 'date'] as const;
const PRICE_COLUMNS = ['open', 'high', 'low', 'close', 'volume'] as const;

/**
 * Writes bars as a raw Parquet file (`time` timestamp[us, UTC], open/high/low/close/volume
 * float64), atomically; aborting `signal` leaves no file.
 */
export async function writeRawBars(path: string, bars: Bars, signal?: AbortSignal): Promise<void> {
  const n = barCount(bars);
  const time = new BigInt64Array(n);
  for (let i = 0; i < n; i++) time[i] = BigInt(bars.time[i]!);
  const writer = await openParquetWriter(
    path,
    [
      { name: 'time', type: 'timestamp', unit: 'us' },
      ...PRICE_COLUMNS.map((name) => ({ name, type: 'float64' as const })),
    ],
    { compression: 'zstd', threads: 1, rowGroupSize: 262_144, ...(signal === undefined ? {} : { signal }) },
  );
  try {
    await writer.write({ time, ...Object.fromEntries(PRICE_COLUMNS.map((c) => [c, bars[c]])) });
    await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

/** Times in µs since the epoch (UTC), both inclusive. */
export interface TimeRange {
  readonly fromUs: number;
  readonly toUs: number;
}

/**
 * Reads a raw Parquet file of bars through DuckDB, in file order. Column names are matched without
 * regard to case (the time column may be called time, timestamp, datetime or date); other columns
 * are ignored. NULL values arrive as NaN, for cleaning to count. With `range`, only the rows whose
 * time lies in it are read (rows without a time are left out: cleaning would drop them).
 */
export async function readRawBars(path: string, db?: DuckDB, range?: TimeRange): Promise<Bars> {
  if (!existsSync(path)) throw new MarketSamplesInputError(`${path}: no such raw file`);
  const own = db === undefined ? await openDuckDB({ threads: 1 }) : undefined;
  const conn = db ?? own!;
  try {
    let described;
    try {
      described = await conn.rows('DESCRIBE SELECT * FROM read_parquet($1)', [path]);
    } catch (error) {
      throw new MarketSamplesInputError(
        `${path}: not a readable Parquet file: ${duckDbDetail(path, error)}`,
        {
          cause: error,
        },
      );
    }
    const columns = described.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    const find = (names: readonly string[]) =>
      names.map((n) => columns.find((c) => c.name.toLowerCase() === n)).find((c) => c !== undefined);
    const listed = columns.map((c) => c.name).join(', ');
    const timeColumn = find(TIME_COLUMN_NAMES);
    if (timeColumn === undefined)
      throw new MarketSamplesInputError(
        `${path}: missing column "time" (or timestamp/date); it has ${listed}`,
      );
    const epoch = epochExpression(path, timeColumn.name, timeColumn.type);
    const select = [`coalesce(${epoch}::DOUBLE, 'NaN'::DOUBLE)`];
    for (const name of PRICE_COLUMNS) {
      const column = find([name]);
      if (column === undefined)
        throw new MarketSamplesInputError(`${path}: missing column "${name}"; it has ${listed}`);
      select.push(`coalesce(TRY_CAST(${quoteIdentifier(column.name)} AS DOUBLE), 'NaN'::DOUBLE)`);
    }
    try {
      return await readColumns(conn, path, select, range === undefined ? undefined : { epoch, range });
    } catch (error) {
      // The footer was readable but a page is not (flipped bytes, a bad checksum, a truncated column chunk).
      throw new MarketSamplesInputError(
        `${path}: not a readable Parquet file: ${duckDbDetail(path, error)}`,
        {
          cause: error,
        },
      );
    }
  } finally {
    own?.close();
  }
}

/** The rows of a raw Parquet file (from its footer), or a `MarketSamplesInputError` naming it. */
export async function countRawRows(path: string, db: DuckDB): Promise<number> {
  if (!existsSync(path)) throw new MarketSamplesInputError(`${path}: no such raw file`);
  try {
    const [count] = await db.rows('SELECT count(*) AS n FROM read_parquet($1)', [path]);
    return Number(count?.n ?? 0);
  } catch (error) {
    throw new MarketSamplesInputError(`${path}: not a readable Parquet file: ${duckDbDetail(path, error)}`, {
      cause: error,
    });
  }
}

/** The time column as BIGINT µs since the epoch (NULL where it is NULL). */
function epochExpression(path: string, name: string, type: string): string {
  const col = quoteIdentifier(name);
  const t = type.toUpperCase();
  if (t.startsWith('TIMESTAMP WITH TIME ZONE') || t === 'TIMESTAMPTZ') return `epoch_us(${col})`;
  if (t.startsWith('TIMESTAMP') || t === 'DATE') return `epoch_us(${col}::TIMESTAMP)`;
  throw new MarketSamplesInputError(
    `${path}: column "${name}" is ${type}; expected a timestamp or date (import CSV files with import-csv)`,
  );
}

async function readColumns(
  db: DuckDB,
  path: string,
  select: readonly string[],
  filter?: { epoch: string; range: TimeRange },
): Promise<Bars> {
  const where = filter === undefined ? '' : ` WHERE ${filter.epoch} BETWEEN $2 AND $3`;
  const params =
    filter === undefined ? [path] : [path, BigInt(filter.range.fromUs), BigInt(filter.range.toUs)];
  const [count] = await db.rows(`SELECT count(*) AS n FROM read_parquet($1)${where}`, params);
  const bars = allocateBars(Number(count?.n ?? 0));
  const targets = [bars.time, bars.open, bars.high, bars.low, bars.close, bars.volume];
  let row = 0;
  // DuckDB keeps file order (preserve_insertion_order), with or without the filter: cleaning keeps the
  // first of rows sharing a time in input order.
  for await (const chunk of db.stream(`SELECT ${select.join(', ')} FROM read_parquet($1)${where}`, params)) {
    const values = chunk.columns();
    for (let c = 0; c < targets.length; c++) {
      const target = targets[c]!;
      const column = values[c]!;
      for (let i = 0; i < chunk.rowCount; i++) target[row + i] = column[i] as number;
    }
    row += chunk.rowCount;
  }
  return bars;
}

/** What DuckDB says is wrong with the file, without its prefixes and the path the message already names. */
function duckDbDetail(path: string, error: unknown): string {
  const line = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
  return line
    .replace(/^DuckDB: (Invalid Input Error: )?/, '')
    .replace(`Failed to read file "${path}": `, '')
    .replaceAll(` '${path}'`, '');
}
