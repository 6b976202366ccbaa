import type { ParquetBatch, ParquetColumn } from '@prepkit/record-io';
import { optionsToValues } from './config-file.js';
import type { SampleShape } from './market-data.js';
import type { ResolvedBuildSamplesOptions } from './options.js';
import type { ChunkColumns } from './sample-chunk.js';
import { META_COUNT, META_FEATURES } from './sample-kernel.js';
import type { Scaler } from './scaler.js';
import { PACKAGE_VERSION } from './version.js';

// The layout of samples_{n}.parquet: its columns, a computed chunk as a batch of them, and its footer.

/** The samples file's columns; `features` is window x features per row, `meta` the META_FEATURES. */
export function sampleColumns(shape: SampleShape): ParquetColumn[] {
  return [
    { name: 'ticker', type: 'utf8' },
    { name: 'split', type: 'utf8' },
    { name: 'end_time', type: 'timestamp', unit: 'us' },
    { name: 'bar_index', type: 'int32' },
    { name: 'gaps', type: 'int32' },
    { name: 'features', type: 'float32-list', listSize: shape.window * shape.features.length },
    { name: 'meta', type: 'float32-list', listSize: META_COUNT },
    ...shape.horizons.map((h) => ({ name: `reward_${h}`, type: 'float32' as const })),
  ];
}

export function batchOf(chunk: ChunkColumns, shape: SampleShape): ParquetBatch {
  return {
    ticker: chunk.ticker,
    split: chunk.split,
    end_time: chunk.endTime,
    bar_index: chunk.barIndex,
    gaps: chunk.gaps,
    features: chunk.features,
    meta: chunk.meta,
    ...Object.fromEntries(shape.horizons.map((h, j) => [`reward_${h}`, chunk.rewards[j]!])),
  };
}

/** The footer key of samples files. */
export const FOOTER_KEY = 'market_samples';

/**
 * One footer key, `market_samples`, holding a JSON object: arrow-rs keeps Parquet key-value metadata
 * in a hash map, so several keys come out in a different order from run to run. A shard file's object
 * ends with a `shard` member (see ShardInfo); without it, it is the one-file output's.
 */
export function fileMetadata(
  c: Readonly<ResolvedBuildSamplesOptions>,
  tickers: readonly string[],
  scaler: Scaler,
  shard?: object,
): Record<string, string> {
  return {
    [FOOTER_KEY]: JSON.stringify({
      version: PACKAGE_VERSION,
      n_samples: c.nSamples,
      seed: c.seed,
      // Where the files lie and how many threads wrote them do not change the samples.
      config: { ...optionsToValues({ ...c, tickers }), data_dir: undefined, n_jobs: undefined },
      features_layout: `window=${c.window} x [${c.features.join(',')}], oldest bar first`,
      meta_features: META_FEATURES,
      scaler,
      shard,
    }),
  };
}
