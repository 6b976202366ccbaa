import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { PhaseLog, RunReporter, digestFile } from '@prepkit/bench-harness';
import { defineShardedRun } from '@prepkit/job-queue';
import {
  MANIFEST_FILE,
  beginOutputSet,
  prepareOutputDirectory,
  readParquetMetadata,
  removeStaleTemporaries,
} from '@prepkit/record-io';
import { MarketSamplesInputError } from './errors.js';
import { loadMarket } from './load-market.js';
import { mergeSamples } from './merge.js';
import type { BuildSamplesOptions, ResolvedBuildSamplesOptions } from './options.js';
import { resolveBuildSamplesOptions, samplesFileName } from './options.js';
import { planFromMarket, planScaler } from './plan.js';
import type { SamplesPlan } from './plan.js';
import { writeScaler } from './scaler.js';
import { shardFileName, writeSamplesShard } from './shard-file.js';
import { loadShardMarket } from './shard-market.js';
import { PACKAGE_VERSION } from './version.js';

// market-samples on many machines (@prepkit/job-queue): the plan (cut times, scaler, numbered eligible
// window ends, time blocks) is computed once over the whole market; each shard loads only its tickers and
// blocks and writes the same file as `build --shard i/n`; the commit checks them and merges or lists them.

/** A cluster run's config: the build options (paths absolute, on storage every worker shares). */
export type MarketSamplesRunConfig = Omit<BuildSamplesOptions, 'signal' | 'reporter' | 'shard'> & {
  readonly dataDir: string;
  readonly shards: number;
  /** Merge the shard files into the one-file output in the commit. */
  readonly merge: boolean;
};

export interface ShardFileSummary {
  /** Relative to the data directory. */
  readonly path: string;
  readonly records: number;
  readonly bytes: number;
  readonly sha256: string;
}

export interface MarketSamplesShardSummary {
  readonly files: readonly ShardFileSummary[];
  /**
   * Raw rows the shard read and clean bars it held: its whole tickers, and of a long ticker only its blocks'
   * bars with their halos (about blockBars + window - 1 + max(horizons) a block).
   */
  readonly bars: { readonly read: number; readonly held: number };
}

export interface MarketSamplesRunResult {
  readonly samples: number;
  /** The merged file, or the shard files, then the scaler (relative to the data directory). */
  readonly files: readonly string[];
  readonly manifest: string;
}

function resolved(
  config: MarketSamplesRunConfig,
  signal: AbortSignal,
  more: Partial<BuildSamplesOptions> = {},
): Readonly<ResolvedBuildSamplesOptions> {
  // `merge` is the commit's, not a build option.
  const options: BuildSamplesOptions & { merge?: boolean } = { ...config };
  delete options.merge;
  return resolveBuildSamplesOptions({ ...options, ...more, signal });
}

export const marketSamplesRun = defineShardedRun({
  name: 'market-samples',

  async plan(config: MarketSamplesRunConfig, context): Promise<SamplesPlan> {
    const c = resolved(config, context.signal);
    const log = new PhaseLog();
    const market = await loadMarket(c);
    const silent = new RunReporter({ name: 'market-samples plan', quiet: true, progress: 'none' });
    const { plan } = await planFromMarket(market, c, c.shards, silent, log);
    // As `build` does, once the inputs proved usable and before any shard writes: a complete earlier output of
    // these files is an OutputExistsError (kind config: dead-lettered at once) unless `overwrite`, and the old
    // manifest goes. Only here: shards and commit replace what their own run wrote (retries, a second commit).
    const dir = resolve(c.dataDir);
    const shardFiles = Array.from({ length: c.shards }, (_, index) =>
      shardFileName(c, { index, count: c.shards }),
    );
    const files = [
      ...shardFiles,
      ...(config.merge ? [samplesFileName(c, c.nSamples)] : []),
      c.scalerFilename,
    ];
    await beginOutputSet(dir, {
      files: files.map((f) => relative(dir, resolve(dir, f))),
      overwrite: c.overwrite,
    });
    return plan;
  },

  async runShard(config: MarketSamplesRunConfig, plan, index, context): Promise<MarketSamplesShardSummary> {
    const shard = { index, count: plan.shards };
    // A retried shard replaces what an earlier try of its own wrote.
    const c = resolved(config, context.signal, { shard, overwrite: true });
    const dir = resolve(c.dataDir);
    const path = resolve(dir, shardFileName(c, shard));
    // Temporaries of this host's dead writers (a killed try of this shard) go; live ones are other shards'.
    await removeStaleTemporaries(await prepareOutputDirectory(resolve(path, '..')));
    const market = await loadShardMarket(c, plan, shard);
    let done = 0;
    const written = await writeSamplesShard(c, plan, market, shard, path, {
      advance: (n = 1) => context.progress((done += n), c.nSamples),
    });
    const digest = await digestFile(path);
    return {
      files: [{ path: relative(dir, path), records: written.records, ...digest }],
      bars: { read: market?.rowsRead ?? 0, held: market?.barsHeld ?? 0 },
    };
  },

  async commit(config: MarketSamplesRunConfig, plan, summaries, context): Promise<MarketSamplesRunResult> {
    const c = resolved(config, context.signal);
    const dir = resolve(c.dataDir);
    const files = summaries.flatMap((s) => s.files);
    for (const file of files) await checkShardFile(dir, file);
    if (config.merge) {
      const merged = await mergeSamples({
        dir,
        shards: plan.shards,
        samples: samplesFileName(c, c.nSamples),
        overwrite: true,
        threads: c.threads,
        signal: context.signal,
      });
      return {
        samples: merged.samples,
        files: [merged.samplesPath, merged.scalerPath].map((p) => relative(dir, p)),
        manifest: relative(dir, merged.manifestPath),
      };
    }
    const scalerPath = resolve(dir, c.scalerFilename);
    const set = await beginOutputSet(dir, {
      files: [...files.map((f) => f.path), c.scalerFilename],
      overwrite: true,
    });
    await writeScaler(scalerPath, planScaler(plan));
    await set.commit({
      tool: { name: '@prepkit/market-samples', version: PACKAGE_VERSION },
      config: { ...config, tickers: plan.tickers },
      outputs: [...files.map((f) => ({ path: resolve(dir, f.path), records: f.records })), scalerPath],
    });
    return {
      samples: files.reduce((sum, f) => sum + f.records, 0),
      files: [...files.map((f) => f.path), c.scalerFilename],
      manifest: MANIFEST_FILE,
    };
  },
});

/** A shard file as its summary says: present, same SHA-256 and row count; else an error naming it. */
async function checkShardFile(dir: string, file: ShardFileSummary): Promise<void> {
  const path = resolve(dir, file.path);
  if (!existsSync(path))
    throw new MarketSamplesInputError(`${path}: missing; its shard finished, then the file was removed`);
  const digest = await digestFile(path);
  if (digest.sha256 !== file.sha256)
    throw new MarketSamplesInputError(`${path}: SHA-256 ${digest.sha256}, its shard wrote ${file.sha256}`);
  const rows = (await readParquetMetadata(path)).rows;
  if (rows !== file.records)
    throw new MarketSamplesInputError(`${path}: ${rows} rows, its shard wrote ${file.records}`);
}
