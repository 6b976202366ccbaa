import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parse as parseYaml } from 'yaml';
import { MarketSamplesConfigError } from './errors.js';

export const FEATURES = ['open', 'high', 'low', 'close', 'volume'] as const;
export type Feature = (typeof FEATURES)[number];
export type ParquetCompression = 'zstd' | 'snappy' | 'gzip' | 'none';

/** The resolved configuration: every key of `config/default.yaml`, validated and frozen. */
export interface MarketConfig {
  readonly dataDir: string;
  readonly rawFilename: string;
  readonly tickers: readonly string[];
  readonly window: number;
  readonly features: readonly Feature[];
  /** Ascending, distinct. */
  readonly horizons: readonly number[];
  readonly cost: number;
  readonly trainFraction: number;
  readonly validFraction: number;
  /** ISO date or null (then the fractions cut the time range). */
  readonly trainEnd: string | null;
  readonly validEnd: string | null;
  /** Resolved: `window + max(horizons)` when the file says null. */
  readonly gapBars: number;
  readonly gapFactor: number;
  readonly inconsistentBars: 'repair' | 'drop';
  /** Resolved: all cores when the file says -1. */
  readonly nJobs: number;
  readonly parquetCompression: ParquetCompression;
  readonly chunkRows: number;
  readonly scalerFilename: string;
  readonly samplesFilename: string;
}

/** Raw configuration as in the YAML file (snake_case keys); values from the CLI arrive as strings. */
export type ConfigValues = Readonly<Record<string, unknown>>;

interface KeySpec {
  readonly key: string;
  /** One line for `--help`. */
  readonly help: string;
  parse(value: unknown, key: string): unknown;
}

const TICKER = /^[A-Za-z0-9][A-Za-z0-9._^=-]*$/;

/** Every configuration key, in the order of default.yaml: the YAML check and the CLI flags come from here. */
export const CONFIG_KEYS: readonly KeySpec[] = [
  { key: 'data_dir', help: 'directory of raw files, scaler and samples', parse: nonEmptyString },
  {
    key: 'raw_filename',
    help: 'raw file name pattern with {ticker}',
    parse: (v, k) => withPlaceholder(nonEmptyString(v, k), '{ticker}', k),
  },
  {
    key: 'tickers',
    help: 'comma-separated tickers',
    parse: (v, k) => {
      const list = stringList(v, k);
      if (list.length === 0) throw new MarketSamplesConfigError(k, 'needs at least one ticker');
      for (const t of list) {
        if (!TICKER.test(t)) throw new MarketSamplesConfigError(k, `"${t}" is not a valid ticker name`);
      }
      if (new Set(list).size !== list.length) throw new MarketSamplesConfigError(k, 'lists a ticker twice');
      return list;
    },
  },
  { key: 'window', help: 'bars per window', parse: (v, k) => integerAtLeast(v, k, 2) },
  {
    key: 'features',
    help: `per-bar features, a subset of ${FEATURES.join(',')}`,
    parse: (v, k) => {
      const list = stringList(v, k);
      if (list.length === 0) throw new MarketSamplesConfigError(k, 'needs at least one feature');
      for (const f of list) {
        if (!(FEATURES as readonly string[]).includes(f))
          throw new MarketSamplesConfigError(k, `unknown feature "${f}" (${FEATURES.join(', ')})`);
      }
      if (new Set(list).size !== list.length) throw new MarketSamplesConfigError(k, 'lists a feature twice');
      return list;
    },
  },
  {
    key: 'horizons',
    help: 'comma-separated reward horizons in bars',
    parse: (v, k) => {
      const raw = typeof v === 'string' ? v.split(',') : v;
      if (!Array.isArray(raw) || raw.length === 0)
        throw new MarketSamplesConfigError(k, 'must be a non-empty list of positive integers');
      const list = raw.map((x: unknown) => integerAtLeast(x, k, 1));
      if (new Set(list).size !== list.length) throw new MarketSamplesConfigError(k, 'lists a horizon twice');
      return list.sort((a, b) => a - b);
    },
  },
  {
    key: 'cost',
    help: 'trading cost per side, a fraction of price',
    parse: (v, k) => {
      const n = number(v, k);
      if (!(n >= 0 && n < 1)) throw new MarketSamplesConfigError(k, `must be in [0, 1) (got ${n})`);
      return n;
    },
  },
  { key: 'train_fraction', help: 'share of the time range in train', parse: fraction },
  { key: 'valid_fraction', help: 'share of the time range in valid', parse: fraction },
  { key: 'train_end', help: 'ISO date: train is before it (replaces the fractions)', parse: optionalDate },
  { key: 'valid_end', help: 'ISO date: valid is before it', parse: optionalDate },
  {
    key: 'gap_bars',
    help: 'embargo bars at the start of valid and test (null = window + max horizon)',
    parse: (v, k) => (isNull(v) ? null : integerAtLeast(v, k, 0)),
  },
  {
    key: 'gap_factor',
    help: 'a bar is a gap beyond this x the median spacing',
    parse: (v, k) => {
      const n = number(v, k);
      if (!(n > 1)) throw new MarketSamplesConfigError(k, `must be greater than 1 (got ${n})`);
      return n;
    },
  },
  { key: 'inconsistent_bars', help: 'repair or drop', parse: (v, k) => oneOf(v, k, ['repair', 'drop']) },
  {
    key: 'n_jobs',
    help: 'worker threads, -1 = all cores',
    parse: (v, k) => {
      const n = integer(v, k);
      if (n !== -1 && n < 1)
        throw new MarketSamplesConfigError(k, `must be -1 or a positive integer (got ${n})`);
      return n;
    },
  },
  {
    key: 'parquet_compression',
    help: 'zstd, snappy, gzip or none',
    parse: (v, k) => oneOf(v, k, ['zstd', 'snappy', 'gzip', 'none']),
  },
  { key: 'chunk_rows', help: 'samples per chunk and row group', parse: (v, k) => integerAtLeast(v, k, 1) },
  { key: 'scaler_filename', help: 'scaler file name', parse: nonEmptyString },
  {
    key: 'samples_filename',
    help: 'samples file name pattern with {n}',
    parse: (v, k) => withPlaceholder(nonEmptyString(v, k), '{n}', k),
  },
];

const DEFAULT_CONFIG_URL = new URL('../config/default.yaml', import.meta.url);

/** The package's `config/default.yaml`, parsed (not yet validated). */
export function defaultConfigValues(): ConfigValues {
  return readYaml(DEFAULT_CONFIG_URL, 'config/default.yaml');
}

/** Reads a YAML configuration file into raw values; a syntax error names the file and line. */
export function readConfigFile(path: string): ConfigValues {
  return readYaml(path, path);
}

/**
 * Resolves a configuration: the defaults, then each layer (a config file's values, then CLI
 * overrides, strings allowed) replacing keys. Unknown keys and bad values throw
 * `MarketSamplesConfigError` naming the key.
 *
 * @example
 * const config = resolveConfig(readConfigFile('my.yaml'), { window: '32', n_jobs: '2' });
 */
export function resolveConfig(...layers: ConfigValues[]): MarketConfig {
  const merged: Record<string, unknown> = { ...defaultConfigValues() };
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (!CONFIG_KEYS.some((s) => s.key === key)) {
        throw new MarketSamplesConfigError(
          key,
          `unknown key (known: ${CONFIG_KEYS.map((s) => s.key).join(', ')})`,
        );
      }
      if (value !== undefined) merged[key] = value;
    }
  }
  const v: Record<string, unknown> = {};
  for (const spec of CONFIG_KEYS) {
    if (!(spec.key in merged)) throw new MarketSamplesConfigError(spec.key, 'is missing');
    v[spec.key] = spec.parse(merged[spec.key], spec.key);
  }
  const horizons = v.horizons as number[];
  const window = v.window as number;
  const trainEnd = v.train_end as string | null;
  const validEnd = v.valid_end as string | null;
  if ((trainEnd === null) !== (validEnd === null))
    throw new MarketSamplesConfigError('train_end', 'train_end and valid_end must be set together');
  if (trainEnd !== null && validEnd !== null && Date.parse(validEnd) <= Date.parse(trainEnd))
    throw new MarketSamplesConfigError('valid_end', `must be after train_end (${trainEnd})`);
  const trainFraction = v.train_fraction as number;
  const validFraction = v.valid_fraction as number;
  if (trainEnd === null && !(trainFraction > 0 && trainFraction + validFraction < 1))
    throw new MarketSamplesConfigError(
      'train_fraction',
      `train_fraction must be > 0 and train_fraction + valid_fraction < 1 (got ${trainFraction} + ${validFraction})`,
    );
  const nJobs = v.n_jobs as number;
  return Object.freeze({
    dataDir: v.data_dir as string,
    rawFilename: v.raw_filename as string,
    tickers: Object.freeze(v.tickers as string[]),
    window,
    features: Object.freeze(v.features as Feature[]),
    horizons: Object.freeze(horizons),
    cost: v.cost as number,
    trainFraction,
    validFraction,
    trainEnd,
    validEnd,
    gapBars: (v.gap_bars as number | null) ?? window + horizons[horizons.length - 1]!,
    gapFactor: v.gap_factor as number,
    inconsistentBars: v.inconsistent_bars as 'repair' | 'drop',
    nJobs: nJobs === -1 ? availableParallelism() : nJobs,
    parquetCompression: v.parquet_compression as ParquetCompression,
    chunkRows: v.chunk_rows as number,
    scalerFilename: v.scaler_filename as string,
    samplesFilename: v.samples_filename as string,
  });
}

/** The configuration as snake_case values (for manifests and the scaler file). */
export function configToValues(c: MarketConfig): Record<string, unknown> {
  return {
    data_dir: c.dataDir,
    raw_filename: c.rawFilename,
    tickers: c.tickers,
    window: c.window,
    features: c.features,
    horizons: c.horizons,
    cost: c.cost,
    train_fraction: c.trainFraction,
    valid_fraction: c.validFraction,
    train_end: c.trainEnd,
    valid_end: c.validEnd,
    gap_bars: c.gapBars,
    gap_factor: c.gapFactor,
    inconsistent_bars: c.inconsistentBars,
    n_jobs: c.nJobs,
    parquet_compression: c.parquetCompression,
    chunk_rows: c.chunkRows,
    scaler_filename: c.scalerFilename,
    samples_filename: c.samplesFilename,
  };
}

/** `samples_{n}.parquet` with n written as 1M, 250K or 1500. */
export function samplesFileName(c: MarketConfig, n: number): string {
  const label = n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n % 1000 === 0 ? `${n / 1000}K` : `${n}`;
  return c.samplesFilename.replaceAll('{n}', label);
}

export function rawFileName(c: Pick<MarketConfig, 'rawFilename'>, ticker: string): string {
  return c.rawFilename.replaceAll('{ticker}', ticker);
}

function readYaml(path: string | URL, label: string): ConfigValues {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new MarketSamplesConfigError(label, `cannot read the file: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new MarketSamplesConfigError(label, `not valid YAML: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new MarketSamplesConfigError(label, 'must be a mapping of keys to values');
  return value as ConfigValues;
}

function isNull(v: unknown): boolean {
  return v === null || v === 'null' || v === '';
}

function nonEmptyString(v: unknown, k: string): string {
  if (typeof v !== 'string' || v.trim() === '')
    throw new MarketSamplesConfigError(k, 'must be a non-empty string');
  return v;
}

function withPlaceholder(v: string, placeholder: string, k: string): string {
  if (!v.includes(placeholder))
    throw new MarketSamplesConfigError(k, `must contain ${placeholder} (got "${v}")`);
  return v;
}

function stringList(v: unknown, k: string): string[] {
  const raw =
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
      : v;
  if (!Array.isArray(raw) || raw.some((x) => typeof x !== 'string' && typeof x !== 'number'))
    throw new MarketSamplesConfigError(k, 'must be a list of names');
  return raw.map(String);
}

function number(v: unknown, k: string): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n))
    throw new MarketSamplesConfigError(k, `must be a number (got ${JSON.stringify(v)})`);
  return n;
}

function integer(v: unknown, k: string): number {
  const n = number(typeof v === 'string' ? v.replaceAll('_', '') : v, k);
  if (!Number.isSafeInteger(n))
    throw new MarketSamplesConfigError(k, `must be an integer (got ${JSON.stringify(v)})`);
  return n;
}

function integerAtLeast(v: unknown, k: string, min: number): number {
  const n = integer(v, k);
  if (n < min) throw new MarketSamplesConfigError(k, `must be an integer >= ${min} (got ${n})`);
  return n;
}

function fraction(v: unknown, k: string): number {
  const n = number(v, k);
  if (!(n >= 0 && n <= 1)) throw new MarketSamplesConfigError(k, `must be between 0 and 1 (got ${n})`);
  return n;
}

function optionalDate(v: unknown, k: string): string | null {
  if (isNull(v)) return null;
  const text = v instanceof Date ? v.toISOString() : v;
  if (typeof text !== 'string' || Number.isNaN(Date.parse(text)))
    throw new MarketSamplesConfigError(k, `must be an ISO 8601 date (got ${JSON.stringify(v)})`);
  return text;
}

function oneOf<T extends string>(v: unknown, k: string, choices: readonly T[]): T {
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v))
    throw new MarketSamplesConfigError(k, `must be one of ${choices.join(', ')} (got ${JSON.stringify(v)})`);
  return v as T;
}
