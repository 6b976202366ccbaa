import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BUILD_SAMPLES_OPTIONS,
  MarketSamplesConfigError,
  OPTION_SPECS,
  optionsFromValues,
  readConfigFile,
  resolveBuildSamplesOptions,
  samplesFileName,
} from '../src/index.js';
import { withTempDir } from './helpers.js';

const EXAMPLE = fileURLToPath(new URL('../config/example.yaml', import.meta.url));

describe('options', () => {
  it('resolve to the frozen defaults, which config/example.yaml states key for key', () => {
    const o = resolveBuildSamplesOptions({ nSamples: 10 });
    expect(o).toMatchObject({
      window: 64,
      features: ['open', 'high', 'low', 'close', 'volume'],
      tickers: null,
      parquetCompression: 'zstd',
      scalerFilename: 'meta_scaler.json',
      gapBars: 64 + 20,
      threads: availableParallelism(),
      seed: 0,
      overwrite: false,
      variant: 'parallel',
    });
    expect(Object.isFrozen(o)).toBe(true);
    expect(Object.isFrozen(DEFAULT_BUILD_SAMPLES_OPTIONS)).toBe(true);
    // The example file names every key, and resolving it changes nothing.
    const example = readConfigFile(EXAMPLE);
    expect(Object.keys(example).sort()).toEqual(OPTION_SPECS.map((s) => s.option).sort());
    expect(resolveBuildSamplesOptions({ ...example, nSamples: 10 })).toEqual(o);
    expect(samplesFileName(o, 1_000_000)).toBe('samples_1M.parquet');
    expect(samplesFileName(o, 250_000)).toBe('samples_250K.parquet');
    expect(samplesFileName(o, 1500)).toBe('samples_1500.parquet');
  });

  it('read command-line text per key, and n_jobs -1 as all cores', () => {
    const flags = optionsFromValues(
      {
        window: '8',
        horizons: '10,2',
        n_jobs: '2',
        train_end: '2020-01-01',
        valid_end: '2021-01-01',
        gap_bars: '3',
      },
      (key) => `--${key}`,
    );
    expect(resolveBuildSamplesOptions({ ...flags, nSamples: 1 })).toMatchObject({
      window: 8,
      horizons: [2, 10],
      threads: 2,
      trainEnd: '2020-01-01',
      gapBars: 3,
    });
    expect(optionsFromValues({ n_jobs: -1 }, (k) => k)).toEqual({ threads: availableParallelism() });
  });

  it.each([
    [{ windw: 3 }, /^my: windw: unknown key \(known: data_dir/],
    [{ window: 1 }, /^my: window: must be an integer >= 2 \(got 1\)/],
    [{ window: 'abc' }, /^my: window: must be a number \(got "abc"\)/],
    [{ features: ['open', 'vwap'] }, /^my: features: unknown feature "vwap"/],
    [{ horizons: [] }, /^my: horizons: must be a non-empty list/],
    [{ cost: 1.5 }, /^my: cost: must be in \[0, 1\)/],
    [{ n_jobs: 0 }, /^my: n_jobs: must be -1 \(all cores\) or a positive integer/],
    [{ parquet_compression: 'lz4' }, /^my: parquet_compression: must be one of zstd, snappy, gzip, none/],
    [{ raw_filename: 'raw.parquet' }, /^my: raw_filename: must contain \{ticker\}/],
    [{ train_end: 'soon' }, /^my: train_end: must be an ISO 8601 date/],
    [{ tickers: ['A', 'A'] }, /^my: tickers: lists a ticker twice/],
    [{ tickers: ['../etc'] }, /^my: tickers: "\.\.\/etc" is not a valid ticker name/],
  ])('a value %j is refused, naming where it came from', (values, message) => {
    expect(() => optionsFromValues(values, (key) => `my: ${key}`)).toThrow(MarketSamplesConfigError);
    expect(() => optionsFromValues(values, (key) => `my: ${key}`)).toThrow(message);
  });

  it.each([
    [{ window: 1 }, /^options\.window: must be an integer >= 2 \(got 1\)/],
    [{ trainEnd: '2020-01-01' }, /trainEnd and validEnd must be set together/],
    [{ trainEnd: '2021-01-01', validEnd: '2020-01-01' }, /^options\.validEnd: must be after trainEnd/],
    [{ trainFraction: 0.9, validFraction: 0.2 }, /trainFraction \+ validFraction < 1/],
    [{ nSamples: 0 }, /^options\.nSamples: must be an integer >= 1/],
    [{ seed: -1 }, /^options\.seed: must be an integer >= 0/],
  ])('resolve refuses %j', (options, message) => {
    expect(() => resolveBuildSamplesOptions({ nSamples: 5, ...options })).toThrow(message);
  });

  it('a YAML file fills the options, and errors name the file', async () => {
    await withTempDir(async (dir) => {
      const good = join(dir, 'good.yaml');
      await writeFile(good, 'window: 10\ntickers: [X, Y]\nn_jobs: 3\n');
      expect(readConfigFile(good)).toEqual({ window: 10, tickers: ['X', 'Y'], threads: 3 });
      const bad = join(dir, 'bad.yaml');
      await writeFile(bad, 'window: [1\n');
      expect(() => readConfigFile(bad)).toThrow(/bad\.yaml: not valid YAML/);
      const unknown = join(dir, 'unknown.yaml');
      await writeFile(unknown, 'windows: 12\n');
      expect(() => readConfigFile(unknown)).toThrow(/unknown\.yaml: windows: unknown key/);
      expect(() => readConfigFile(join(dir, 'none.yaml'))).toThrow(/none\.yaml: cannot read the file/);
    });
  });
});
