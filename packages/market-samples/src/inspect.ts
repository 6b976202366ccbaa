import { stat } from 'node:fs/promises';
import { openDuckDB, quoteIdentifier } from '@prepkit/db-cursors';
import { MarketSamplesInputError } from './errors.js';

export interface ColumnStats {
  readonly name: string;
  readonly type: string;
  /** For numbers and lists of numbers (over every element); null otherwise. */
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  readonly std: number | null;
  /** NaN elements (rewards past the end of the data, for example). */
  readonly nan: number;
  /** Distinct values, for strings. */
  readonly distinct: number | null;
}

export interface DecodedSample {
  readonly row: number;
  readonly ticker: string;
  readonly split: string;
  readonly endTime: string;
  readonly meta: readonly number[];
  readonly rewards: Readonly<Record<string, number>>;
  /**
   * The window turned back into bars relative to the last close: prices as price / last close
   * (exp of the stored log ratio), volume as volume / the window's mean volume.
   */
  readonly bars: readonly Readonly<Record<string, number>>[];
}

export interface SamplesInspection {
  readonly path: string;
  readonly bytes: number;
  readonly rows: number;
  readonly rowGroups: number;
  readonly compression: string;
  readonly schema: readonly { readonly name: string; readonly type: string }[];
  readonly columns: readonly ColumnStats[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly sample: DecodedSample | null;
}

export interface InspectOptions {
  /** The sample to decode back to bars. Default: 0. */
  row?: number;
}

export const DEFAULT_INSPECT_OPTIONS = Object.freeze({ row: 0 } satisfies Required<InspectOptions>);

/** What `market-samples inspect` prints: schema, counts, per-column statistics and one sample decoded to bars. */
export async function inspectSamples(path: string, options: InspectOptions = {}): Promise<SamplesInspection> {
  const info = await stat(path).catch(() => {
    throw new MarketSamplesInputError(`${path}: no such file`);
  });
  await using db = await openDuckDB();
  let schema: { name: string; type: string }[];
  try {
    schema = (await db.rows('DESCRIBE SELECT * FROM read_parquet($1)', [path])).map((r) => ({
      name: String(r.column_name),
      type: String(r.column_type),
    }));
  } catch (error) {
    throw new MarketSamplesInputError(`${path}: not a readable Parquet file`, { cause: error });
  }
  const [meta] = await db.rows(
    'SELECT count(DISTINCT row_group_id) AS groups, any_value(compression) AS compression FROM parquet_metadata($1)',
    [path],
  );
  const kv = await db.rows('SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata($1)', [
    path,
  ]);
  const metadata = Object.fromEntries(kv.map((r) => [String(r.k), String(r.v)]));
  const columns: ColumnStats[] = [];
  let rows = 0;
  for (const { name, type } of schema) {
    const col = quoteIdentifier(name);
    const isList = type.endsWith('[]') || /\[\d+\]$/.test(type);
    const numeric = /FLOAT|DOUBLE|INT|DECIMAL/.test(type);
    if (type === 'VARCHAR') {
      const [r] = await db.rows(`SELECT count(*) AS n, count(DISTINCT ${col}) AS d FROM read_parquet($1)`, [
        path,
      ]);
      rows = Number(r?.n ?? 0);
      columns.push({
        name,
        type,
        min: null,
        max: null,
        mean: null,
        std: null,
        nan: 0,
        distinct: Number(r?.d ?? 0),
      });
      continue;
    }
    const source = isList
      ? `(SELECT unnest(${col}) AS x FROM read_parquet($1))`
      : `(SELECT ${col} AS x FROM read_parquet($1))`;
    const value = numeric ? 'x' : 'epoch_us(x)';
    const finite = numeric ? `isfinite(x::DOUBLE)` : 'true';
    const [r] = await db.rows(
      `SELECT min(${value}) FILTER (WHERE ${finite}) AS mn, max(${value}) FILTER (WHERE ${finite}) AS mx,
              avg(${value}) FILTER (WHERE ${finite}) AS mean, stddev_pop(${value}) FILTER (WHERE ${finite}) AS sd,
              count(*) FILTER (WHERE NOT ${finite}) AS nan FROM ${source}`,
      [path],
    );
    const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    columns.push({
      name,
      type,
      min: num(r?.mn),
      max: num(r?.mx),
      mean: num(r?.mean),
      std: num(r?.sd),
      nan: Number(r?.nan ?? 0),
      distinct: null,
    });
  }
  return {
    path,
    bytes: info.size,
    rows,
    rowGroups: Number(meta?.groups ?? 0),
    compression: String(meta?.compression ?? ''),
    schema,
    columns,
    metadata,
    sample: await decodeSample(db, path, metadata, options.row ?? DEFAULT_INSPECT_OPTIONS.row, rows),
  };
}

async function decodeSample(
  db: Awaited<ReturnType<typeof openDuckDB>>,
  path: string,
  metadata: Record<string, string>,
  row: number,
  rows: number,
): Promise<DecodedSample | null> {
  if (rows === 0 || row >= rows) return null;
  const config = (
    JSON.parse(metadata.market_samples ?? 'null') as {
      config?: { features?: string[]; horizons?: number[] };
    } | null
  )?.config;
  const names = config?.features ?? ['open', 'high', 'low', 'close', 'volume'];
  const horizons = config?.horizons ?? [];
  const [r] = await db.rows(
    `SELECT ticker, split, strftime(end_time, '%Y-%m-%dT%H:%M:%SZ') AS t, features::VARCHAR AS f, meta::VARCHAR AS m, *
     FROM read_parquet($1) LIMIT 1 OFFSET ${Math.trunc(row)}`,
    [path],
  );
  if (r === undefined) return null;
  const features = JSON.parse(String(r.f)) as number[];
  const bars: Record<string, number>[] = [];
  for (let i = 0; i < features.length; i += names.length) {
    bars.push(
      Object.fromEntries(
        names.map((name, j) => [name, name === 'volume' ? features[i + j]! : Math.exp(features[i + j]!)]),
      ),
    );
  }
  return {
    row,
    ticker: String(r.ticker),
    split: String(r.split),
    endTime: String(r.t),
    meta: JSON.parse(String(r.m)) as number[],
    rewards: Object.fromEntries(horizons.map((h) => [`reward_${h}`, Number(r[`reward_${h}`])])),
    bars,
  };
}
