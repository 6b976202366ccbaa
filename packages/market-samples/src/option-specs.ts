import { availableParallelism } from 'node:os';
import { MarketSamplesConfigError } from './errors.js';
import type { MarketSamplesOptions } from './options.js';

export const FEATURES = ['open', 'high', 'low', 'close', 'volume'] as const;
export type Feature = (typeof FEATURES)[number];

/** How one setting is named in each place it can be given, and how a value of it is checked. */
export interface OptionSpec {
  /** The field of `MarketSamplesOptions`. */
  readonly option: keyof MarketSamplesOptions;
  /** The key in a YAML configuration file. */
  readonly key: string;
  /** The command-line flag, without the dashes. */
  readonly flag: string;
  /** An older flag that still works (not shown in `--help`). */
  readonly alias?: string;
  /** One line for `--help`. */
  readonly help: string;
  /** What the default means, for `--help`, where its value says little (null, this machine's core count). */
  readonly defaultMeans?: string;
  /**
   * Checks a value (from the options object, a YAML file, or command-line text) and returns it typed;
   * throws `MarketSamplesConfigError` naming `where`. Checking a checked value gives it back unchanged.
   */
  check(value: unknown, where: string): unknown;
}

const TICKER = /^[A-Za-z0-9][A-Za-z0-9._^=-]*$/;

/** Every setting of a build, in the order of config/example.yaml and of the samples file's footer. */
export const OPTION_SPECS: readonly OptionSpec[] = [
  spec('dataDir', 'data_dir', 'directory of raw files, scaler, samples and manifest', nonEmptyString),
  spec('rawFilename', 'raw_filename', 'raw file name pattern with {ticker}', (v, w) =>
    withPlaceholder(nonEmptyString(v, w), '{ticker}', w),
  ),
  {
    ...spec('tickers', 'tickers', 'comma-separated tickers', (v, w) => (isNull(v) ? null : tickerList(v, w))),
    defaultMeans: 'every raw file present in data_dir, by name',
  },
  spec('window', 'window', 'bars per window', (v, w) => integerAtLeast(v, w, 2)),
  spec('features', 'features', `per-bar features, a subset of ${FEATURES.join(',')}`, (v, w) =>
    distinctList(stringList(v, w), w, 'feature', (f) =>
      (FEATURES as readonly string[]).includes(f)
        ? undefined
        : `unknown feature "${f}" (${FEATURES.join(', ')})`,
    ),
  ),
  spec('horizons', 'horizons', 'comma-separated reward horizons in bars', (v, w) => {
    const raw = typeof v === 'string' ? v.split(',') : v;
    if (!Array.isArray(raw) || raw.length === 0) bad(w, 'must be a non-empty list of positive integers');
    const list = raw.map((x: unknown) => integerAtLeast(x, w, 1));
    if (new Set(list).size !== list.length) bad(w, 'lists a horizon twice');
    return list.sort((a, b) => a - b);
  }),
  spec('cost', 'cost', 'trading cost per side, a fraction of price', (v, w) => {
    const n = number(v, w);
    return n >= 0 && n < 1 ? n : bad(w, `must be in [0, 1) (got ${n})`);
  }),
  spec('trainFraction', 'train_fraction', 'share of the time range in train', fraction),
  spec('validFraction', 'valid_fraction', 'share of the time range in valid', fraction),
  {
    ...spec('trainEnd', 'train_end', 'ISO date: train is before it (replaces the fractions)', optionalDate),
    defaultMeans: 'cut by the fractions',
  },
  {
    ...spec('validEnd', 'valid_end', 'ISO date: valid is before it', optionalDate),
    defaultMeans: 'cut by the fractions',
  },
  {
    ...spec('gapBars', 'gap_bars', 'embargo bars at the start of valid and test', (v, w) =>
      isNull(v) ? null : integerAtLeast(v, w, 0),
    ),
    defaultMeans: 'window + max horizon',
  },
  spec('gapFactor', 'gap_factor', 'a bar is a gap beyond this x the median spacing', (v, w) => {
    const n = number(v, w);
    return n > 1 ? n : bad(w, `must be greater than 1 (got ${n})`);
  }),
  spec('inconsistentBars', 'inconsistent_bars', 'repair or drop', (v, w) => oneOf(v, w, ['repair', 'drop'])),
  {
    // The original's configuration key; -1 there means all cores.
    ...spec('threads', 'n_jobs', 'worker threads', (v, w) => {
      const n = integer(v, w);
      if (n === -1) return availableParallelism();
      return n >= 1 ? n : bad(w, `must be -1 (all cores) or a positive integer (got ${n})`);
    }),
    flag: 'threads',
    alias: 'n-jobs',
    defaultMeans: 'all cores',
  },
  spec('parquetCompression', 'parquet_compression', 'zstd, snappy, gzip or none', (v, w) =>
    oneOf(v, w, ['zstd', 'snappy', 'gzip', 'none']),
  ),
  spec('chunkRows', 'chunk_rows', 'samples per chunk and row group', (v, w) => integerAtLeast(v, w, 1)),
  spec('scalerFilename', 'scaler_filename', 'scaler file name', nonEmptyString),
  spec('samplesFilename', 'samples_filename', 'samples file name pattern with {n}', (v, w) =>
    withPlaceholder(nonEmptyString(v, w), '{n}', w),
  ),
];

function spec(
  option: keyof MarketSamplesOptions,
  key: string,
  help: string,
  check: (value: unknown, where: string) => unknown,
): OptionSpec {
  return { option, key, flag: key.replaceAll('_', '-'), help, check };
}

function bad(where: string, detail: string): never {
  throw new MarketSamplesConfigError(where, detail);
}

function isNull(v: unknown): boolean {
  return v === null || v === 'null' || v === '';
}

/** A non-empty list of distinct ticker names (each names a file, so no path characters). */
export function tickerList(v: unknown, where: string): string[] {
  return distinctList(stringList(v, where), where, 'ticker', (t) =>
    TICKER.test(t) ? undefined : `"${t}" is not a valid ticker name (letters, digits and . _ ^ = -)`,
  );
}

function distinctList(
  list: string[],
  where: string,
  what: string,
  problem: (item: string) => string | undefined,
): string[] {
  if (list.length === 0) bad(where, `needs at least one ${what}`);
  for (const item of list) {
    const p = problem(item);
    if (p !== undefined) bad(where, p);
  }
  if (new Set(list).size !== list.length) bad(where, `lists a ${what} twice`);
  return list;
}

export function nonEmptyString(v: unknown, where: string): string {
  return typeof v === 'string' && v.trim() !== '' ? v : bad(where, 'must be a non-empty string');
}

export function withPlaceholder(v: string, placeholder: string, where: string): string {
  return v.includes(placeholder) ? v : bad(where, `must contain ${placeholder} (got "${v}")`);
}

function stringList(v: unknown, where: string): string[] {
  const raw =
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
      : v;
  if (!Array.isArray(raw) || raw.some((x) => typeof x !== 'string' && typeof x !== 'number'))
    bad(where, 'must be a list of names');
  return raw.map(String);
}

function number(v: unknown, where: string): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n)
    ? n
    : bad(where, `must be a number (got ${JSON.stringify(v)})`);
}

function integer(v: unknown, where: string): number {
  const n = number(typeof v === 'string' ? v.replaceAll('_', '') : v, where);
  return Number.isSafeInteger(n) ? n : bad(where, `must be an integer (got ${JSON.stringify(v)})`);
}

export function integerAtLeast(v: unknown, where: string, min: number): number {
  const n = integer(v, where);
  return n >= min ? n : bad(where, `must be an integer >= ${min} (got ${n})`);
}

export function fraction(v: unknown, where: string): number {
  const n = number(v, where);
  return n >= 0 && n <= 1 ? n : bad(where, `must be between 0 and 1 (got ${n})`);
}

function optionalDate(v: unknown, where: string): string | null {
  if (isNull(v)) return null;
  const text = v instanceof Date ? v.toISOString() : v;
  if (typeof text !== 'string' || Number.isNaN(Date.parse(text)))
    bad(where, `must be an ISO 8601 date (got ${JSON.stringify(v)})`);
  return text;
}

export function oneOf<T extends string>(v: unknown, where: string, choices: readonly T[]): T {
  return typeof v === 'string' && (choices as readonly string[]).includes(v)
    ? (v as T)
    : bad(where, `must be one of ${choices.join(', ')} (got ${JSON.stringify(v)})`);
}
