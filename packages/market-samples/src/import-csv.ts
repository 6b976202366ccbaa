import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { throwIfAborted } from '@prepkit/bench-harness/errors';
import { openDuckDB, quoteIdentifier } from '@prepkit/db-cursors';
import type { DuckDB } from '@prepkit/db-cursors';
import { prepareOutputDirectory, removeStaleTemporaries } from '@prepkit/record-io';
import type { Bars } from './bars.js';
import { allocateBars } from './bars.js';
import { csvShapeProblem } from './csv-shape.js';
import { MarketSamplesInputError } from './errors.js';
import { writeRawBars } from './raw-bars.js';

export interface ImportCsvOptions {
  /** CSV files of one ticker, concatenated in this order (cleaning at build time sorts and de-duplicates). */
  files: readonly string[];
  /** The raw Parquet file to write. */
  output: string;
  /** Replace an existing output file. Default: false (an existing file is an error). */
  overwrite?: boolean;
  /** Aborting it stops the import; no output is left behind. */
  signal?: AbortSignal;
}

export interface ImportCsvResult {
  readonly output: string;
  readonly rows: number;
  readonly files: readonly { readonly path: string; readonly rows: number }[];
  /** Price or volume cells that were empty, `null` or not a number (stored as NaN; cleaning drops those rows). */
  readonly missingValues: number;
}

const PRICE_COLUMNS = ['open', 'high', 'low', 'close', 'volume'] as const;

/**
 * Imports Yahoo-style CSV (`Date,Open,High,Low,Close,Adj Close,Volume`) into a raw Parquet file.
 * Columns are found by header name in any order and case; the time is `Date` (plus a `Time`
 * column if there is one), `Datetime`, `Timestamp` or `Time`, as an ISO 8601 date or date-time,
 * with or without a UTC offset (none = UTC). `Adj Close` and unknown columns are ignored.
 * An unparseable time is an error naming the file, line and text.
 *
 * @example
 * await importCsv({ files: ['AAPL.csv'], output: 'data/raw_AAPL.parquet' });
 */
export async function importCsv(options: ImportCsvOptions): Promise<ImportCsvResult> {
  if (options.files.length === 0) throw new MarketSamplesInputError('import-csv needs at least one CSV file');
  const output = resolve(options.output);
  if (options.overwrite !== true && existsSync(output))
    throw new MarketSamplesInputError(`${output} exists; pass --overwrite to replace it`);
  await using db = await openDuckDB({ threads: 1 });
  await db.run("SET TimeZone = 'UTC'");
  const parts: Bars[] = [];
  const files: { path: string; rows: number }[] = [];
  let missingValues = 0;
  for (const file of options.files) {
    throwIfAborted(options.signal, 'market-samples import-csv');
    const part = await readCsv(db, resolve(file));
    parts.push(part.bars);
    files.push({ path: file, rows: part.bars.time.length });
    missingValues += part.missing;
  }
  const total = files.reduce((s, f) => s + f.rows, 0);
  const bars = allocateBars(total);
  let at = 0;
  for (const part of parts) {
    for (const key of ['time', ...PRICE_COLUMNS] as const) bars[key].set(part[key], at);
    at += part.time.length;
  }
  await prepareOutputDirectory(dirname(output));
  await removeStaleTemporaries(dirname(output));
  throwIfAborted(options.signal, 'market-samples import-csv');
  await writeRawBars(output, bars, options.signal);
  return { output, rows: total, files, missingValues };
}

async function readCsv(db: DuckDB, path: string): Promise<{ bars: Bars; missing: number }> {
  if (!existsSync(path)) throw new MarketSamplesInputError(`${path}: no such file`);
  let read: { bars: Bars; missing: number };
  try {
    read = await readCsvRows(db, path);
  } catch (error) {
    // A short row or an empty file misleads DuckDB's sniffer: say what is wrong with the file's shape first.
    const shape = await csvShapeProblem(path);
    if (shape !== null) throw new MarketSamplesInputError(shape, { cause: error });
    if (error instanceof MarketSamplesInputError) throw error;
    throw new MarketSamplesInputError(`${path}: cannot read as CSV: ${firstLine(error)}`, { cause: error });
  }
  if (read.bars.time.length === 0)
    throw new MarketSamplesInputError((await csvShapeProblem(path)) ?? `${path}: the file is empty: no rows`);
  return read;
}

async function readCsvRows(db: DuckDB, path: string): Promise<{ bars: Bars; missing: number }> {
  const source = 'read_csv($1, header = true, all_varchar = true, auto_detect = true)';
  const names = (await db.rows(`DESCRIBE SELECT * FROM ${source}`, [path])).map((r) => String(r.column_name));
  const find = (name: string) => names.find((n) => n.trim().toLowerCase() === name);
  const date = find('date');
  const timeOfDay = find('time');
  const combined = find('datetime') ?? find('timestamp') ?? (date === undefined ? timeOfDay : undefined);
  let timeText: string;
  if (combined !== undefined) timeText = quoteIdentifier(combined);
  else if (date !== undefined)
    timeText =
      timeOfDay === undefined
        ? quoteIdentifier(date)
        : `${quoteIdentifier(date)} || ' ' || ${quoteIdentifier(timeOfDay)}`;
  else
    throw new MarketSamplesInputError(
      `${path}: missing column "Date" (or Datetime/Timestamp); the header has ${names.join(', ')}`,
    );
  const prices = PRICE_COLUMNS.map((c) => {
    const name = find(c);
    if (name === undefined)
      throw new MarketSamplesInputError(
        `${path}: missing column "${c[0]!.toUpperCase()}${c.slice(1)}"; the header has ${names.join(', ')}`,
      );
    return quoteIdentifier(name);
  });
  const parsed = `SELECT row_number() OVER () AS rn, trim(${timeText}) AS raw_time,
      epoch_us(TRY_CAST(trim(${timeText}) AS TIMESTAMPTZ))::DOUBLE AS t,
      ${prices.map((p, i) => `TRY_CAST(trim(${p}) AS DOUBLE) AS v${i}`).join(', ')}
    FROM ${source}`;
  const [bad] = await db.rows(`SELECT rn, raw_time FROM (${parsed}) WHERE t IS NULL ORDER BY rn LIMIT 1`, [
    path,
  ]);
  if (bad !== undefined)
    throw new MarketSamplesInputError(
      `${path} line ${Number(bad.rn) + 1}: cannot parse the time "${String(bad.raw_time ?? '')}" (expected ISO 8601, e.g. 2024-01-31 or 2024-01-31 09:30:00)`,
    );
  const [count] = await db.rows(
    `SELECT count(*) AS n, ${prices.map((_, i) => `count(*) FILTER (WHERE v${i} IS NULL)`).join(' + ')} AS missing FROM (${parsed})`,
    [path],
  );
  const bars = allocateBars(Number(count?.n ?? 0));
  const targets = [bars.time, bars.open, bars.high, bars.low, bars.close, bars.volume];
  let row = 0;
  const select = `SELECT t, ${prices.map((_, i) => `coalesce(v${i}, 'NaN'::DOUBLE)`).join(', ')} FROM (${parsed}) ORDER BY rn`;
  for await (const chunk of db.stream(select, [path])) {
    const values = chunk.columns();
    for (let c = 0; c < targets.length; c++) {
      const column = values[c]!;
      for (let i = 0; i < chunk.rowCount; i++) targets[c]![row + i] = column[i] as number;
    }
    row += chunk.rowCount;
  }
  return { bars, missing: Number(count?.missing ?? 0) };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
