import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunReporter } from '@prepkit/bench-harness';
import { openParquetWriter } from '@prepkit/record-io';
import type { ParquetBatch, ParquetColumn } from '@prepkit/record-io';
import { WorkerPool } from '@prepkit/worker-pool';
import type { MarketConfig } from './config.js';
import { configToValues, samplesFileName } from './config.js';
import { MarketSamplesInputError } from './errors.js';
import { loadMarket } from './load-market.js';
import type { TickerLoad } from './load-market.js';
import type { SampleShape } from './market-data.js';
import { markTickerGaps, sampleShape } from './market-data.js';
import { medianSpacing } from './cleaning.js';
import { naiveChunks } from './naive-samples.js';
import { chunkViews } from './sample-chunk.js';
import type { ChunkColumns, ChunkContext, ChunkTask } from './sample-chunk.js';
import { META_COUNT, META_FEATURES } from './sample-kernel.js';
import { fitScaler, scalerParams, writeScaler } from './scaler.js';
import type { Scaler } from './scaler.js';
import { SPLITS, rangeSize, splitCuts, tickerSplit } from './split.js';
import type { SplitName, TickerSplit } from './split.js';
import { PACKAGE_VERSION } from './version.js';

export interface BuildSamplesOptions {
  /** The resolved configuration (`resolveConfig`). */
  config: MarketConfig;
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
  signal?: AbortSignal;
}

export interface TickerSummary extends TickerLoad {
  /** Window ends available per split (0 for skipped tickers). */
  readonly eligible: Readonly<Record<SplitName, number>>;
}

export interface BuildSamplesResult {
  readonly samplesPath: string;
  readonly scalerPath: string;
  readonly samples: number;
  readonly bytes: number;
  readonly perSplit: Readonly<Record<SplitName, number>>;
  readonly eligible: Readonly<Record<SplitName, number>>;
  readonly tickers: readonly TickerSummary[];
  readonly trainEnd: string;
  readonly validEnd: string;
  /**
   * Time spent computing chunks (summed over worker threads) and waiting for the Parquet writer to
   * take row groups (on this thread); they overlap, so they need not add up to the stage's time.
   */
  readonly stages: { readonly sampleComputeMs: number; readonly parquetWriteWaitMs: number };
}

/**
 * Builds `samples_{n}.parquet` and `meta_scaler.json` in the config's data_dir: cleans each
 * ticker's raw bars, cuts train/valid/test by time with an embargo, fits the scaler on training
 * windows only, draws sample positions with a seeded PRNG and writes windows, meta features and
 * rewards as zstd Parquet row groups. Same config and seed ⇒ same bytes for any `n_jobs`.
 *
 * @example
 * await buildSamples({ config: resolveConfig({ n_jobs: 2 }), nSamples: 1_000_000, seed: 42 });
 */
export async function buildSamples(
  options: BuildSamplesOptions,
  reporter?: RunReporter,
): Promise<BuildSamplesResult> {
  const c = options.config;
  const n = options.nSamples;
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new MarketSamplesInputError('--n-samples must be a positive integer');
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new MarketSamplesInputError('--seed must be a non-negative integer');
  const report = reporter ?? new RunReporter({ name: 'market-samples build', quiet: true, progress: 'none' });
  const dir = resolve(c.dataDir);
  const samplesPath = resolve(dir, samplesFileName(c, n));
  const scalerPath = resolve(dir, c.scalerFilename);
  if (!(options.overwrite ?? false)) {
    for (const path of [samplesPath, scalerPath]) {
      if (existsSync(path))
        throw new MarketSamplesInputError(`${path} exists; pass --overwrite to replace it`);
    }
  }
  const shape = sampleShape(c);
  const market = await report.phase('load and clean', () => loadMarket(c, options.signal), {
    unit: 'tickers',
  });
  for (const t of market.tickers) {
    report.count('bars_read', t.cleaning.inputRows);
    for (const [key, value] of Object.entries(t.cleaning)) {
      if (key.startsWith('dropped') || key === 'repairedHighLow' || key === 'outOfOrder')
        report.count(snake(key), value as number);
    }
    if (t.skipped !== null) report.count('tickers_skipped');
  }
  const plan = await report.phase('split and fit scaler', () => {
    const cuts = splitCuts(market.data, c);
    const splits = market.data.tickers.map((_, k) => tickerSplit(market.data, shape, cuts, c.gapBars, k));
    const active = splits.flatMap((s, k) => (rangeSize(s.fit) > 1 ? [k] : []));
    if (active.length === 0)
      throw new MarketSamplesInputError(
        `no ticker has ${c.window} bars before the train cut ${new Date(cuts.trainEndUs / 1000).toISOString()}; move train_end or train_fraction`,
      );
    // Gaps are measured against each ticker's median spacing over its training bars only.
    const spacingUs = splits.map((split, k) => {
      const lo = market.data.offsets[k]!;
      const train = medianSpacing(market.data.time.subarray(lo, lo + split.bars.train));
      return train > 0 ? train : medianSpacing(market.data.time.subarray(lo, market.data.offsets[k + 1]));
    });
    for (const k of active)
      report.count('gaps_marked', markTickerGaps(market.data, k, spacingUs[k]!, c.gapFactor));
    const scaler = fitScaler({
      spacingUs,
      data: market.data,
      shape,
      cost: c.cost,
      gapFactor: c.gapFactor,
      inconsistentBars: c.inconsistentBars,
      cuts,
      gapBars: c.gapBars,
      splits,
      active,
    });
    return { cuts, splits, active, scaler, ...eligibleEnds(splits, active) };
  });
  const tickers = summarise(market.tickers, market.data.tickers, plan.splits, plan.active);
  const eligible = { train: plan.counts[0], valid: plan.counts[1], test: plan.counts[2] };
  report.set('eligible_window_ends', eligible);
  if (plan.eligible.length === 0)
    throw new MarketSamplesInputError(
      'no sample fits in any split: the tickers are too short for window + horizons + gap_bars',
    );
  const context: ChunkContext = {
    data: market.data,
    shape,
    scaler: scalerParams(plan.scaler, market.data.tickers),
    eligible: plan.eligible,
    trainEnds: plan.counts[0],
    validEnds: plan.counts[1],
    seed,
  };
  await mkdir(dir, { recursive: true });
  const perSplit = [0, 0, 0];
  const timing = { computeMs: 0, writeWaitMs: 0 };
  const written = await report.phase(
    'samples',
    async (phase) => {
      phase.setTotal(n);
      const writer = await openParquetWriter(samplesPath, sampleColumns(shape), {
        compression: c.parquetCompression,
        rowGroupSize: c.chunkRows,
        threads: options.variant === 'naive' ? 1 : c.nJobs,
        metadata: fileMetadata(c, n, seed, plan.scaler),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      try {
        const chunks =
          options.variant === 'naive'
            ? naiveChunks(market.cleaned, context, chunkTasks(n, c.chunkRows))
            : parallelChunks(context, n, c, options.signal);
        for await (const chunk of chunks) {
          timing.computeMs += chunk.computeMs;
          const handedOver = performance.now();
          await writer.write(batchOf(chunk, shape));
          timing.writeWaitMs += performance.now() - handedOver;
          for (let s = 0; s < 3; s++) perSplit[s]! += chunk.perSplit[s]!;
          phase.advance(chunk.count);
        }
        const closing = performance.now();
        const closed = await writer.close();
        timing.writeWaitMs += performance.now() - closing;
        return closed;
      } catch (error) {
        await writer.abort();
        throw error;
      }
    },
    { unit: 'samples' },
  );
  await writeScaler(scalerPath, plan.scaler);
  // The stages overlap: chunks are computed on workers while earlier row groups are encoded.
  return {
    samplesPath,
    scalerPath,
    samples: written.records,
    bytes: written.bytes,
    perSplit: { train: perSplit[0]!, valid: perSplit[1]!, test: perSplit[2]! },
    eligible,
    tickers,
    trainEnd: plan.scaler.split.train_end,
    validEnd: plan.scaler.split.valid_end,
    stages: { sampleComputeMs: timing.computeMs, parquetWriteWaitMs: timing.writeWaitMs },
  };
}

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

function batchOf(chunk: ChunkColumns, shape: SampleShape): ParquetBatch {
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

/** Chunk i holds samples i x chunkRows ..; its positions come from PRNG stream i. */
export function chunkTasks(n: number, chunkRows: number): ChunkTask[] {
  const tasks: ChunkTask[] = [];
  for (let start = 0, index = 0; start < n; start += chunkRows, index++)
    tasks.push({ index, start, count: Math.min(chunkRows, n - start) });
  return tasks;
}

async function* parallelChunks(
  context: ChunkContext,
  n: number,
  c: MarketConfig,
  signal: AbortSignal | undefined,
): AsyncGenerator<ChunkColumns> {
  await using pool = new WorkerPool<ChunkTask, ArrayBuffer>({
    filename: workerModule(),
    threads: c.nJobs,
    workerData: context,
  });
  for await (const buffer of pool.map(chunkTasks(n, c.chunkRows), { signal }))
    yield chunkViews(buffer, context.shape);
}

function eligibleEnds(
  splits: readonly TickerSplit[],
  active: readonly number[],
): { eligible: Int32Array; counts: [number, number, number] } {
  const counts: [number, number, number] = [0, 0, 0];
  SPLITS.forEach((split, s) => {
    for (const k of active) counts[s]! += rangeSize(splits[k]!.ends[split]);
  });
  const eligible = new Int32Array(new SharedArrayBuffer(4 * (counts[0] + counts[1] + counts[2])));
  let at = 0;
  for (const split of SPLITS) {
    for (const k of active) {
      const [lo, hi] = splits[k]!.ends[split];
      for (let e = lo; e <= hi; e++) eligible[at++] = e;
    }
  }
  return { eligible, counts };
}

function summarise(
  loads: readonly TickerLoad[],
  kept: readonly string[],
  splits: readonly TickerSplit[],
  active: readonly number[],
): TickerSummary[] {
  return loads.map((load) => {
    const k = kept.indexOf(load.ticker);
    const none = { train: 0, valid: 0, test: 0 };
    if (k < 0) return { ...load, eligible: none };
    if (!active.includes(k))
      return {
        ...load,
        skipped: 'no full window in the training period (the scaler cannot be fitted)',
        eligible: none,
      };
    const ends = splits[k]!.ends;
    return {
      ...load,
      eligible: { train: rangeSize(ends.train), valid: rangeSize(ends.valid), test: rangeSize(ends.test) },
    };
  });
}

/**
 * One footer key, `market_samples`, holding a JSON object: arrow-rs keeps Parquet key-value metadata
 * in a hash map, so several keys come out in a different order from run to run.
 */
function fileMetadata(c: MarketConfig, n: number, seed: number, scaler: Scaler): Record<string, string> {
  return {
    market_samples: JSON.stringify({
      version: PACKAGE_VERSION,
      n_samples: n,
      seed,
      config: { ...configToValues(c), data_dir: undefined, n_jobs: undefined },
      features_layout: `window=${c.window} x [${c.features.join(',')}], oldest bar first`,
      meta_features: META_FEATURES,
      scaler,
    }),
  };
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
}

/** The built worker beside this module; from source (tests, benchmarks), its TypeScript original. */
function workerModule(): URL {
  const built = new URL('./sample-worker.js', import.meta.url);
  return existsSync(fileURLToPath(built)) ? built : new URL('./sample-worker.ts', import.meta.url);
}
