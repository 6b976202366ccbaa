import { availableParallelism } from 'node:os';
import type { RunReporter } from '@prepkit/bench-harness';
import type { ParquetCompression } from '@prepkit/record-io';
import { FEATURES, OPTION_SPECS, integerAtLeast, oneOf } from './option-specs.js';
import type { Feature } from './option-specs.js';
import { MarketSamplesConfigError } from './errors.js';

/**
 * What a build reads, computes and writes: every key a YAML configuration file can hold (see
 * config/example.yaml; `readConfigFile` turns one into these options).
 */
export interface MarketSamplesOptions {
  /** Directory of the raw files, scaler, samples and manifest. Default: `data`. */
  dataDir?: string;
  /** One raw file per ticker; `{ticker}` is replaced by the ticker. Default: `raw_{ticker}.parquet`. */
  rawFilename?: string;
  /** Tickers to read. Default (null): every raw file present in `dataDir`, sorted by file name. */
  tickers?: readonly string[] | null;
  /** Bars per window, ending at the sample's bar (inclusive). Default: 64. */
  window?: number;
  /** Per-bar features of the window, in this order. Default: open, high, low, close, volume. */
  features?: readonly Feature[];
  /** Reward horizons in bars, one `reward_{h}` column each. Default: 1, 5, 20. */
  horizons?: readonly number[];
  /** Trading cost per side, a fraction of price. Default: 0.0005. */
  cost?: number;
  /** Share of the pooled timestamps in train. Default: 0.7. */
  trainFraction?: number;
  /** Share of the pooled timestamps in valid. Default: 0.15. */
  validFraction?: number;
  /** ISO date: train is before it, replacing the fractions (set with `validEnd`). Default: null. */
  trainEnd?: string | null;
  /** ISO date: valid is before it. Default: null. */
  validEnd?: string | null;
  /** Embargo bars at the start of valid and test. Default (null): window + max(horizons). */
  gapBars?: number | null;
  /** A bar is a gap beyond this × the ticker's median bar spacing. Default: 1.5. */
  gapFactor?: number;
  /** Bars whose high/low do not bound open/close. Default: `repair`. */
  inconsistentBars?: 'repair' | 'drop';
  /** Worker threads computing chunks and encoding row groups. Default: all cores. */
  threads?: number;
  /** Default: `zstd`. */
  parquetCompression?: ParquetCompression;
  /** Samples per worker task and per Parquet row group. Default: 8192. */
  chunkRows?: number;
  /** Written to `dataDir`. Default: `meta_scaler.json`. */
  scalerFilename?: string;
  /** Written to `dataDir`; `{n}` is the sample count as 1M, 250K or 1500. Default: `samples_{n}.parquet`. */
  samplesFilename?: string;
}

export interface BuildSamplesOptions extends MarketSamplesOptions {
  /** Samples to write. */
  nSamples: number;
  /** Seed of the sample positions. Default: 0. */
  seed?: number;
  /** Replace existing samples and scaler files. Default: false (an existing file is an error). */
  overwrite?: boolean;
  /**
   * `parallel` (default): chunks on worker threads over columnar arrays. `naive`: the baseline, one
   * sample at a time over row objects on this thread, as the original did; same bytes, for benchmarks.
   */
  variant?: 'parallel' | 'naive';
  /**
   * Write the samples as this many files, file i holding the samples of the tickers that
   * `shardOf(ticker, shards)` gives shard i, in the one-file order (`samples_1M-00000-of-00004.parquet` …).
   * Default: 1 (`samples_1M.parquet`).
   */
  shards?: number;
  /**
   * Write only this shard's file (0-based `index` of `count`), the same bytes as file `index` of a
   * `shards: count` build; no scaler and no manifest (`mergeSamples` completes the set). Default: null.
   */
  shard?: { readonly index: number; readonly count: number } | null;
  /**
   * A ticker of more than this many clean bars is cut into time blocks of this many window ends, each a
   * shard unit of its own (`ticker#b`, by `shardOf`), so that a shard of a cluster run reads only its
   * block's bars and a halo of `window - 1` bars before them, not the whole ticker. Only which shard file a
   * sample lands in changes, never the samples or the merged file. Default: 1,000,000.
   */
  blockBars?: number;
  /** Aborting it stops the build and removes what it half-wrote. */
  signal?: AbortSignal;
  /** Where phases, progress and counters go. Default: a silent reporter. */
  reporter?: RunReporter;
}

export interface ResolvedBuildSamplesOptions extends Required<
  Omit<BuildSamplesOptions, 'gapBars' | 'signal' | 'reporter'>
> {
  /** `window + max(horizons)` when not given. */
  readonly gapBars: number;
  readonly signal: AbortSignal | undefined;
  readonly reporter: RunReporter | undefined;
}

/** The defaults of every build option: the one source for the library, the CLI's `--help` and the docs. */
export const DEFAULT_BUILD_SAMPLES_OPTIONS = Object.freeze({
  dataDir: 'data',
  rawFilename: 'raw_{ticker}.parquet',
  tickers: null,
  window: 64,
  features: Object.freeze([...FEATURES]),
  horizons: Object.freeze([1, 5, 20]),
  cost: 0.0005,
  trainFraction: 0.7,
  validFraction: 0.15,
  trainEnd: null,
  validEnd: null,
  gapBars: null,
  gapFactor: 1.5,
  inconsistentBars: 'repair',
  threads: availableParallelism(),
  parquetCompression: 'zstd',
  chunkRows: 8192,
  scalerFilename: 'meta_scaler.json',
  samplesFilename: 'samples_{n}.parquet',
  seed: 0,
  overwrite: false,
  variant: 'parallel',
  shards: 1,
  shard: null,
  // Far above any benchmark's or test's ticker (250K bars) and about 50 years of 5-minute sessions: only a
  // ticker that would not fit one machine comfortably (~240 MiB of bars a million) is cut.
  blockBars: 1_000_000,
} satisfies Required<Omit<BuildSamplesOptions, 'nSamples' | 'signal' | 'reporter'>>);

/**
 * Fills in the defaults and checks every option once; a bad value throws `MarketSamplesConfigError`
 * naming it (`options.window: must be an integer >= 2 (got 1)`).
 */
export function resolveBuildSamplesOptions(
  options: BuildSamplesOptions,
): Readonly<ResolvedBuildSamplesOptions> {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const merged: Record<string, unknown> = { ...DEFAULT_BUILD_SAMPLES_OPTIONS, ...given };
  const r: Record<string, unknown> = {};
  for (const spec of OPTION_SPECS) r[spec.option] = spec.check(merged[spec.option], `options.${spec.option}`);
  const o = r as Required<MarketSamplesOptions>;
  if ((o.trainEnd === null) !== (o.validEnd === null))
    throw new MarketSamplesConfigError('options.trainEnd', 'trainEnd and validEnd must be set together');
  if (o.trainEnd !== null && o.validEnd !== null && Date.parse(o.validEnd) <= Date.parse(o.trainEnd))
    throw new MarketSamplesConfigError('options.validEnd', `must be after trainEnd (${o.trainEnd})`);
  if (o.trainEnd === null && !(o.trainFraction > 0 && o.trainFraction + o.validFraction < 1))
    throw new MarketSamplesConfigError(
      'options.trainFraction',
      `must be > 0 with trainFraction + validFraction < 1 (got ${o.trainFraction} + ${o.validFraction})`,
    );
  const shard = merged.shard as { index: number; count: number } | null;
  if (shard !== null && !(Number.isSafeInteger(shard.index) && shard.index >= 0 && shard.index < shard.count))
    throw new MarketSamplesConfigError('options.shard', 'must be { index, count } with 0 <= index < count');
  const shards = integerAtLeast(shard === null ? merged.shards : shard.count, 'options.shards', 1);
  if (shard !== null && options.shards !== undefined && options.shards !== shard.count)
    throw new MarketSamplesConfigError(
      'options.shards',
      `must equal shard.count (${shard.count}) or be left out`,
    );
  if (typeof merged.overwrite !== 'boolean')
    throw new MarketSamplesConfigError('options.overwrite', 'must be true or false');
  return Object.freeze({
    ...o,
    tickers: o.tickers === null ? null : Object.freeze(o.tickers),
    features: Object.freeze(o.features),
    horizons: Object.freeze(o.horizons),
    gapBars: o.gapBars ?? o.window + o.horizons[o.horizons.length - 1]!,
    nSamples: integerAtLeast(merged.nSamples, 'options.nSamples', 1),
    seed: integerAtLeast(merged.seed, 'options.seed', 0),
    overwrite: merged.overwrite,
    variant: oneOf(merged.variant, 'options.variant', ['parallel', 'naive']),
    shards,
    blockBars: integerAtLeast(merged.blockBars, 'options.blockBars', 1),
    shard: shard === null ? null : Object.freeze({ index: shard.index, count: shard.count }),
    signal: options.signal,
    reporter: options.reporter,
  });
}

/** `samples_{n}.parquet` with n written as 1M, 250K or 1500. */
export function samplesFileName(o: Pick<MarketSamplesOptions, 'samplesFilename'>, n: number): string {
  const label = n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n % 1000 === 0 ? `${n / 1000}K` : `${n}`;
  return (o.samplesFilename ?? DEFAULT_BUILD_SAMPLES_OPTIONS.samplesFilename).replaceAll('{n}', label);
}

/** The raw file name of a ticker (`raw_AAPL.parquet`). */
export function rawFileName(o: Pick<MarketSamplesOptions, 'rawFilename'>, ticker: string): string {
  return (o.rawFilename ?? DEFAULT_BUILD_SAMPLES_OPTIONS.rawFilename).replaceAll('{ticker}', ticker);
}
