import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_KEYS,
  MarketSamplesConfigError,
  defaultConfigValues,
  readConfigFile,
  resolveConfig,
  samplesFileName,
} from '../src/index.js';
import { withTempDir } from './helpers.js';

describe('config', () => {
  it('resolves config/default.yaml, which names every key', () => {
    expect(Object.keys(defaultConfigValues()).sort()).toEqual(CONFIG_KEYS.map((k) => k.key).sort());
    const c = resolveConfig();
    expect(c).toMatchObject({
      window: 64,
      features: ['open', 'high', 'low', 'close', 'volume'],
      parquetCompression: 'zstd',
      scalerFilename: 'meta_scaler.json',
      gapBars: 64 + 20,
      nJobs: availableParallelism(),
    });
    expect(Object.isFrozen(c)).toBe(true);
    expect(samplesFileName(c, 1_000_000)).toBe('samples_1M.parquet');
    expect(samplesFileName(c, 250_000)).toBe('samples_250K.parquet');
    expect(samplesFileName(c, 1500)).toBe('samples_1500.parquet');
  });

  it('applies layers in order; CLI strings are parsed per key', () => {
    const c = resolveConfig(
      { window: 32, horizons: [5, 1] },
      {
        window: '8',
        horizons: '10,2',
        n_jobs: '2',
        train_end: '2020-01-01',
        valid_end: '2021-01-01',
        gap_bars: '3',
      },
    );
    expect(c).toMatchObject({ window: 8, horizons: [2, 10], nJobs: 2, trainEnd: '2020-01-01', gapBars: 3 });
  });

  it.each([
    [{ windw: 3 }, /config windw: unknown key \(known: data_dir/],
    [{ window: 1 }, /config window: must be an integer >= 2 \(got 1\)/],
    [{ window: 'abc' }, /config window: must be a number \(got "abc"\)/],
    [{ features: ['open', 'vwap'] }, /config features: unknown feature "vwap"/],
    [{ horizons: [] }, /config horizons: must be a non-empty list/],
    [{ cost: 1.5 }, /config cost: must be in \[0, 1\)/],
    [{ n_jobs: 0 }, /config n_jobs: must be -1 or a positive integer/],
    [{ parquet_compression: 'lz4' }, /config parquet_compression: must be one of zstd, snappy, gzip, none/],
    [{ raw_filename: 'raw.parquet' }, /config raw_filename: must contain \{ticker\}/],
    [{ train_end: '2020-01-01' }, /train_end and valid_end must be set together/],
    [{ train_end: 'soon', valid_end: '2021-01-01' }, /config train_end: must be an ISO 8601 date/],
    [{ train_fraction: 0.9, valid_fraction: 0.2 }, /train_fraction \+ valid_fraction < 1/],
    [{ tickers: ['A', 'A'] }, /config tickers: lists a ticker twice/],
  ])('rejects %j', (layer, message) => {
    expect(() => resolveConfig(layer)).toThrow(MarketSamplesConfigError);
    expect(() => resolveConfig(layer)).toThrow(message);
  });

  it('reads a YAML file and names it in errors', async () => {
    await withTempDir(async (dir) => {
      const good = join(dir, 'good.yaml');
      await writeFile(good, 'window: 10\ntickers: [X, Y]\n');
      expect(resolveConfig(readConfigFile(good))).toMatchObject({ window: 10, tickers: ['X', 'Y'] });
      const bad = join(dir, 'bad.yaml');
      await writeFile(bad, 'window: [1\n');
      expect(() => readConfigFile(bad)).toThrow(/bad\.yaml: not valid YAML/);
      expect(() => readConfigFile(join(dir, 'none.yaml'))).toThrow(/none\.yaml: cannot read the file/);
    });
  });
});
