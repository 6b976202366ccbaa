import { relative, resolve } from 'node:path';
import { PhaseLog, RunReporter } from '@prepkit/bench-harness';
import { throwIfAborted } from '@prepkit/bench-harness/errors';
import { MANIFEST_FILE, beginOutputSet, openParquetWriter } from '@prepkit/record-io';
import { WorkerPool, workerModule } from '@prepkit/worker-pool';
import { MarketSamplesInputError } from './errors.js';
import { loadMarket } from './load-market.js';
import type { TickerLoad } from './load-market.js';
import { markTickerGaps, sampleShape } from './market-data.js';
import { medianSpacing } from './cleaning.js';
import { naiveChunks } from './naive-samples.js';
import { resolveBuildSamplesOptions, samplesFileName } from './options.js';
import type { BuildSamplesOptions, ResolvedBuildSamplesOptions } from './options.js';
import { chunkViews } from './sample-chunk.js';
import type { ChunkColumns, ChunkContext, ChunkTask } from './sample-chunk.js';
import { batchOf, fileMetadata, sampleColumns } from './samples-file.js';
import { fitScaler, scalerParams, writeScaler } from './scaler.js';
import { SPLITS, rangeSize, splitCuts, tickerSplit } from './split.js';
import type { SplitName, TickerSplit } from './split.js';
import { PACKAGE_VERSION } from './version.js';

export interface TickerSummary extends TickerLoad {
  /** Window ends available per split (0 for skipped tickers). */
  readonly eligible: Readonly<Record<SplitName, number>>;
}

export interface BuildSamplesResult {
  readonly samplesPath: string;
  readonly scalerPath: string;
  /** `manifest.json` beside them, written last: it lists both files with their sizes and SHA-256. */
  readonly manifestPath: string;
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
 * Builds `samples_{n}.parquet`, `meta_scaler.json` and last `manifest.json` in `dataDir`: cleans each
 * ticker's raw bars, cuts train/valid/test by time with an embargo, fits the scaler on training
 * windows only, draws sample positions with a seeded PRNG and writes windows, meta features and
 * rewards as zstd Parquet row groups. Same options and seed ⇒ same bytes for any `threads`.
 *
 * @example
 * await buildSamples({ ...readConfigFile('my.yaml'), threads: 2, nSamples: 1_000_000, seed: 42 });
 */
export async function buildSamples(options: BuildSamplesOptions): Promise<BuildSamplesResult> {
  const c = resolveBuildSamplesOptions(options);
  try {
    return await build(c);
  } catch (error) {
    // Whatever the abort made the work throw, the caller learns that it was interrupted.
    throwIfAborted(c.signal, 'market-samples build');
    throw error;
  }
}

async function build(c: Readonly<ResolvedBuildSamplesOptions>): Promise<BuildSamplesResult> {
  const n = c.nSamples;
  const seed = c.seed;
  const report =
    c.reporter ?? new RunReporter({ name: 'market-samples build', quiet: true, progress: 'none' });
  const log = new PhaseLog(report);
  const dir = resolve(c.dataDir);
  const samplesPath = resolve(dir, samplesFileName(c, n));
  const scalerPath = resolve(dir, c.scalerFilename);
  const shape = sampleShape(c);
  const market = await log.phase('load and clean', () => loadMarket(c), { unit: 'tickers' });
  const tickerNames = market.tickers.map((t) => t.ticker);
  for (const t of market.tickers) {
    report.count('bars_read', t.cleaning.inputRows);
    for (const [key, value] of Object.entries(t.cleaning)) {
      if (key.startsWith('dropped') || key === 'repairedHighLow' || key === 'outOfOrder')
        report.count(snake(key), value as number);
    }
    if (t.skipped !== null) report.count('tickers_skipped');
  }
  const plan = await log.phase('split and fit scaler', () => {
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
  // Only now, once the inputs proved usable: beginning the set removes an earlier run's manifest (and the
  // temporaries killed runs left); samples and scaler then count as complete only once the new manifest lists them.
  const set = await beginOutputSet(dir, {
    files: [samplesPath, scalerPath].map((path) => relative(dir, path)),
    overwrite: c.overwrite,
  });
  report.count('stale_temporaries_removed', set.staleRemoved.length);
  const perSplit = [0, 0, 0];
  const timing = { computeMs: 0, writeWaitMs: 0 };
  const written = await log.phase(
    'samples',
    async (phase) => {
      phase.setTotal(n);
      const writer = await openParquetWriter(samplesPath, sampleColumns(shape), {
        compression: c.parquetCompression,
        rowGroupSize: c.chunkRows,
        threads: c.variant === 'naive' ? 1 : c.threads,
        metadata: fileMetadata(c, tickerNames, plan.scaler),
        ...(c.signal === undefined ? {} : { signal: c.signal }),
      });
      try {
        const chunks =
          c.variant === 'naive'
            ? naiveChunks(market.cleaned, context, chunkTasks(n, c.chunkRows))
            : parallelChunks(context, c);
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
  await log.phase('scaler', () => writeScaler(scalerPath, plan.scaler), { unit: 'files' });
  // Last: a manifest in the directory says the samples and scaler beside it are complete.
  const manifestPath = resolve(dir, MANIFEST_FILE);
  await report.phase('manifest', () =>
    set.commit({
      tool: { name: '@prepkit/market-samples', version: PACKAGE_VERSION },
      config: { ...runConfig(c), tickers: tickerNames },
      inputs: market.tickers.map((t) => t.file),
      outputs: [{ path: samplesPath, records: written.records }, scalerPath],
      phases: log.phases,
    }),
  );
  // The stages overlap: chunks are computed on workers while earlier row groups are encoded.
  return {
    samplesPath,
    scalerPath,
    manifestPath,
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

/** Chunk i holds samples i x chunkRows ..; its positions come from PRNG stream i. */
export function chunkTasks(n: number, chunkRows: number): ChunkTask[] {
  const tasks: ChunkTask[] = [];
  for (let start = 0, index = 0; start < n; start += chunkRows, index++)
    tasks.push({ index, start, count: Math.min(chunkRows, n - start) });
  return tasks;
}

async function* parallelChunks(
  context: ChunkContext,
  c: Readonly<ResolvedBuildSamplesOptions>,
): AsyncGenerator<ChunkColumns> {
  await using pool = new WorkerPool<ChunkTask, ArrayBuffer>({
    filename: workerModule(import.meta.url, 'sample-worker'),
    threads: c.threads,
    workerData: context,
  });
  for await (const buffer of pool.map(chunkTasks(c.nSamples, c.chunkRows), { signal: c.signal }))
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

/** The options a run used, for its manifest: without the signal and reporter, which are not configuration. */
function runConfig(c: Readonly<ResolvedBuildSamplesOptions>): Record<string, unknown> {
  return { ...c, signal: undefined, reporter: undefined };
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
}
