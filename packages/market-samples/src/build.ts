import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { PhaseLog, RunReporter } from '@prepkit/bench-harness';
import { throwIfAborted } from '@prepkit/bench-harness/errors';
import {
  MANIFEST_FILE,
  OutputExistsError,
  OutputSet,
  beginOutputSet,
  prepareOutputDirectory,
  removeStaleTemporaries,
} from '@prepkit/record-io';
import type { ShardSpec } from '@prepkit/record-io';
import { loadMarket } from './load-market.js';
import type { TickerLoad } from './load-market.js';
import { MarketSamplesConfigError } from './errors.js';
import { resolveBuildSamplesOptions } from './options.js';
import type { BuildSamplesOptions, ResolvedBuildSamplesOptions } from './options.js';
import { planFromMarket, planScaler } from './plan.js';
import { shardFileName, writeSamplesShard } from './shard-file.js';
import type { WrittenShard } from './shard-file.js';
import { writeScaler } from './scaler.js';
import { rangeSize } from './split.js';
import type { SplitName, TickerSplit } from './split.js';
import { PACKAGE_VERSION } from './version.js';

export interface TickerSummary extends TickerLoad {
  /** Window ends available per split (0 for skipped tickers). */
  readonly eligible: Readonly<Record<SplitName, number>>;
}

export interface BuildSamplesResult extends BuildShardResult {
  readonly scalerPath: string;
  /** `manifest.json` beside them, written last: it lists every file with its size and SHA-256. */
  readonly manifestPath: string;
}

/** What `buildSamplesShard` wrote: one shard's file, without scaler or manifest (`mergeSamples` adds them). */
export interface BuildShardResult {
  /** The samples file (with several shards, the first one written). */
  readonly samplesPath: string;
  /** Every samples file written, in shard order. */
  readonly files: readonly { readonly path: string; readonly records: number; readonly bytes: number }[];
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
 * rewards as zstd Parquet row groups. Same options and seed ⇒ same bytes for any `threads`. With
 * `shards`, the samples go to that many files by ticker (see `shardFileName`), listed by one manifest.
 *
 * @example
 * await buildSamples({ ...readConfigFile('my.yaml'), threads: 2, nSamples: 1_000_000, seed: 42 });
 */
export async function buildSamples(options: BuildSamplesOptions): Promise<BuildSamplesResult> {
  if (options.shard !== undefined && options.shard !== null)
    throw new MarketSamplesConfigError('options.shard', 'one shard alone is written by buildSamplesShard');
  return (await run(options)) as BuildSamplesResult;
}

/**
 * Writes only the samples file of `options.shard` (`{ index, count }`), the same bytes as file `index` of a
 * `shards: count` build, and neither scaler nor manifest (`mergeSamples` completes the set). The plan is still
 * computed over the whole market; a cluster run's workers load only their tickers (see cluster-run.ts).
 */
export async function buildSamplesShard(
  options: BuildSamplesOptions & { shard: { index: number; count: number } },
): Promise<BuildShardResult> {
  return run(options);
}

async function run(options: BuildSamplesOptions): Promise<BuildShardResult> {
  const c = resolveBuildSamplesOptions(options);
  try {
    return await build(c);
  } catch (error) {
    // Whatever the abort made the work throw, the caller learns that it was interrupted.
    throwIfAborted(c.signal, 'market-samples build');
    throw error;
  }
}

async function build(
  c: Readonly<ResolvedBuildSamplesOptions>,
): Promise<BuildShardResult & { scalerPath: string | null; manifestPath: string | null }> {
  const report =
    c.reporter ?? new RunReporter({ name: 'market-samples build', quiet: true, progress: 'none' });
  const log = new PhaseLog(report);
  const dir = resolve(c.dataDir);
  const scalerPath = resolve(dir, c.scalerFilename);
  const market = await log.phase('load and clean', () => loadMarket(c), { unit: 'tickers' });
  const { plan, splits, active, eligible } = await planFromMarket(market, c, c.shards, report, log);
  const tickers = summarise(market.tickers, market.data.tickers, splits, active);
  const targets: ShardSpec[] =
    c.shard !== null
      ? [c.shard]
      : Array.from({ length: c.shards }, (_, index) => ({ index, count: c.shards }));
  const paths = targets.map((s) => resolve(dir, shardFileName(c, s)));
  // Only now, once the inputs proved usable: beginning the set removes an earlier run's manifest (and the
  // temporaries killed runs left); samples and scaler then count as complete only once the new manifest lists them.
  // One shard alone leaves both to the others and to merge: other shards may be writing beside it.
  const set =
    c.shard === null
      ? await beginOutputSet(dir, {
          files: [...paths, scalerPath].map((path) => relative(dir, path)),
          overwrite: c.overwrite,
        })
      : await shardOutput(paths[0]!, c.overwrite);
  report.count('stale_temporaries_removed', set.staleRemoved.length);
  const written = await log.phase(
    'samples',
    async (phase) => {
      phase.setTotal(c.nSamples * paths.length);
      const files: WrittenShard[] = [];
      for (const [i, shard] of targets.entries())
        files.push(await writeSamplesShard(c, plan, market, shard, paths[i]!, phase));
      return files;
    },
    { unit: 'samples' },
  );
  let manifestPath: string | null = null;
  if (set instanceof OutputSet) {
    await log.phase('scaler', () => writeScaler(scalerPath, planScaler(plan)), { unit: 'files' });
    // Last: a manifest in the directory says the samples and scaler beside it are complete.
    manifestPath = resolve(dir, MANIFEST_FILE);
    await report.phase('manifest', () =>
      set.commit({
        tool: { name: '@prepkit/market-samples', version: PACKAGE_VERSION },
        config: { ...runConfig(c), tickers: plan.tickers },
        inputs: market.tickers.map((t) => t.file),
        outputs: [...written.map((w) => ({ path: w.path, records: w.records })), scalerPath],
        phases: log.phases,
      }),
    );
  }
  const sum = (f: (w: WrittenShard) => number) => written.reduce((a, w) => a + f(w), 0);
  // The stages overlap: chunks are computed on workers while earlier row groups are encoded.
  return {
    samplesPath: written[0]!.path,
    files: written.map((w) => ({ path: w.path, records: w.records, bytes: w.bytes })),
    scalerPath: manifestPath === null ? null : scalerPath,
    manifestPath,
    samples: sum((w) => w.records),
    bytes: sum((w) => w.bytes),
    perSplit: {
      train: sum((w) => w.perSplit[0]),
      valid: sum((w) => w.perSplit[1]),
      test: sum((w) => w.perSplit[2]),
    },
    eligible,
    tickers,
    trainEnd: planScaler(plan).split.train_end,
    validEnd: planScaler(plan).split.valid_end,
    stages: { sampleComputeMs: sum((w) => w.computeMs), parquetWriteWaitMs: sum((w) => w.writeWaitMs) },
  };
}

/**
 * One shard's file alone: its directory is made and the temporaries of dead writers on this host removed (those
 * of live ones, other shards writing now, stay); an existing file is replaced only with `overwrite`. No manifest
 * is touched: the set is not complete.
 */
async function shardOutput(path: string, overwrite: boolean): Promise<{ staleRemoved: string[] }> {
  const dir = await prepareOutputDirectory(resolve(path, '..'));
  const staleRemoved = await removeStaleTemporaries(dir);
  if (existsSync(path) && !overwrite) throw new OutputExistsError(path);
  return { staleRemoved };
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
