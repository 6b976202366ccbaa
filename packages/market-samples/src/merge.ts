import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { PhaseLog } from '@prepkit/bench-harness';
import type { RunReporter } from '@prepkit/bench-harness';
import { throwIfAborted } from '@prepkit/bench-harness/errors';
import {
  MANIFEST_FILE,
  beginOutputSet,
  openParquetWriter,
  parseShardName,
  readParquetMetadata,
  shardName,
  shardOf,
} from '@prepkit/record-io';
import { shardUnits, unitOf } from './blocks.js';
import { MarketSamplesInputError } from './errors.js';
import type { ParquetCompression } from '@prepkit/record-io';
import { ShardCursor, gatherRows } from './shard-cursor.js';
import { chunkTasks } from './sample-chunk.js';
import { drawChunk, positionTable } from './sample-positions.js';
import { FOOTER_KEY, sampleColumns } from './samples-file.js';
import { scalerShape, writeScaler } from './scaler.js';
import type { Scaler } from './scaler.js';
import type { ShardInfo } from './shard-file.js';
import { PACKAGE_VERSION } from './version.js';

export interface MergeSamplesOptions {
  /** The directory holding the shard files (the build's data directory). */
  dir: string;
  /** How many shard files the set has. */
  shards: number;
  /** The one-file name to merge (`samples_1M.parquet`) when shard sets of several builds lie in `dir`. */
  samples?: string;
  /** Replace an earlier merged output listed by a manifest. Default: false. */
  overwrite?: boolean;
  /** Remove the shard files once the manifest is written. Default: false. */
  removeShards?: boolean;
  /** Parquet encoder threads. Default: record-io's (all cores). */
  threads?: number;
  signal?: AbortSignal;
  reporter?: RunReporter;
}

export interface MergeSamplesResult {
  readonly samplesPath: string;
  readonly scalerPath: string;
  readonly manifestPath: string;
  readonly samples: number;
  readonly bytes: number;
  /** The shard files merged (removed when `removeShards`). */
  readonly shardFiles: readonly string[];
}

/**
 * Merges the shard files of a `shards: n` build (or of n `buildSamplesShard` runs) into the one-file
 * output, byte-identical to a one-shard build: the draws are repeated from the footer's positions to
 * know which shard holds each next sample, rows are taken in that order into row groups of the same
 * size, and the footer, `meta_scaler.json` and last `manifest.json` are written as the build writes them.
 * A missing or foreign shard file is a `MarketSamplesInputError` naming it.
 */
export async function mergeSamples(options: MergeSamplesOptions): Promise<MergeSamplesResult> {
  const dir = resolve(options.dir);
  const n = options.shards;
  const log = new PhaseLog(options.reporter);
  const paths = await findShardFiles(dir, n, options.samples);
  const footers = await Promise.all(paths.map((path, i) => readFooter(path, i, n)));
  const { base, info, scaler } = footers[0]!;
  const mismatch = footers.findIndex((f) => f.base !== base);
  if (mismatch >= 0)
    throw new MarketSamplesInputError(
      `${paths[mismatch]}: its footer's build settings differ from ${basename(paths[0]!)}'s; these shard files are not of one build`,
    );
  const meta = JSON.parse(base) as { n_samples: number; seed: number };
  const samplesPath = resolve(dir, info.samples_file);
  const scalerPath = resolve(dir, info.scaler_file);
  const set = await beginOutputSet(dir, {
    files: [info.samples_file, info.scaler_file],
    overwrite: options.overwrite === true,
  });
  const columns = sampleColumns(scalerShape(scaler));
  const written = await log.phase(
    'merge',
    async (phase) => {
      phase.setTotal(meta.n_samples);
      const writer = await openParquetWriter(samplesPath, columns, {
        compression: info.compression as ParquetCompression,
        rowGroupSize: info.chunk_rows,
        ...(options.threads === undefined ? {} : { threads: options.threads }),
        metadata: { [FOOTER_KEY]: base },
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      const cursors = paths.map((path) => new ShardCursor(path, columns, info.chunk_rows, options.signal));
      try {
        const table = positionTable(info.positions);
        // The shard of each unit (a ticker, or a time block of a long one when the build cut tickers).
        const units = shardUnits(info.positions, info.block_bars ?? Infinity);
        const shardOfUnit = units.keys.map((key) => shardOf(key, n));
        for (const task of chunkTasks(meta.n_samples, info.chunk_rows)) {
          throwIfAborted(options.signal, 'market-samples merge');
          const draws = drawChunk(table, meta.seed, task.index, task.count);
          const sources = Int32Array.from(
            draws.ticker,
            (a, r) => shardOfUnit[unitOf(units, a, draws.end[r]!)]!,
          );
          await writer.write(await gatherRows(columns, cursors, sources));
          phase.advance(task.count);
        }
        for (const cursor of cursors) await cursor.assertDone();
        return await writer.close();
      } catch (error) {
        await writer.abort();
        throw error;
      } finally {
        await Promise.all(cursors.map((cursor) => cursor.close()));
      }
    },
    { unit: 'samples' },
  );
  await log.phase('scaler', () => writeScaler(scalerPath, scaler), { unit: 'files' });
  const manifestPath = join(dir, MANIFEST_FILE);
  await set.commit({
    tool: { name: '@prepkit/market-samples', version: PACKAGE_VERSION },
    config: { ...(JSON.parse(base) as Record<string, unknown>), merged_shards: n },
    inputs: paths,
    outputs: [{ path: samplesPath, records: written.records }, scalerPath],
    phases: log.phases,
  });
  if (options.removeShards === true) await Promise.all(paths.map((path) => rm(path, { force: true })));
  return {
    samplesPath,
    scalerPath,
    manifestPath,
    samples: written.records,
    bytes: written.bytes,
    shardFiles: paths,
  };
}

/** The n shard files in `dir` (of the one-file name `samples`, or of the only set there), in order. */
async function findShardFiles(dir: string, n: number, samples: string | undefined): Promise<string[]> {
  const sets = new Map<string, string[]>();
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    let parsed;
    try {
      parsed = parseShardName(name);
    } catch {
      continue;
    }
    if (parsed.count !== n) continue;
    const whole = parsed.extension === '' ? parsed.name : `${parsed.name}.${parsed.extension}`;
    (sets.get(whole) ?? sets.set(whole, []).get(whole)!).push(name);
  }
  const names = samples === undefined ? [...sets.keys()] : [samples];
  if (names.length !== 1)
    throw new MarketSamplesInputError(
      names.length === 0
        ? `${dir}: no shard files of ${n} (name-00000-of-${String(n).padStart(5, '0')}.parquet)`
        : `${dir}: shard files of several builds (${names.join(', ')}); name one with --samples`,
    );
  const whole = names[0]!;
  const dot = whole.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [whole.slice(0, dot), whole.slice(dot + 1)] : [whole, ''];
  return Array.from({ length: n }, (_, i) => {
    const path = join(dir, shardName(stem, i, n, ext));
    if (!existsSync(path))
      throw new MarketSamplesInputError(`${path}: missing; merge needs all ${n} shard files of ${whole}`);
    return path;
  });
}

interface Footer {
  /** The one-file footer's JSON (the shard's without its `shard` member). */
  readonly base: string;
  readonly info: ShardInfo;
  readonly scaler: Scaler;
}

async function readFooter(path: string, index: number, count: number): Promise<Footer> {
  const text = (await readParquetMetadata(path)).metadata[FOOTER_KEY];
  let parsed: (Record<string, unknown> & { shard?: ShardInfo; scaler?: Scaler }) | undefined;
  try {
    parsed = text === undefined ? undefined : (JSON.parse(text) as typeof parsed);
  } catch {
    parsed = undefined;
  }
  const info = parsed?.shard;
  if (parsed === undefined || info === undefined || parsed.scaler === undefined)
    throw new MarketSamplesInputError(`${path}: no market-samples shard footer (${FOOTER_KEY}.shard)`);
  if (info.index !== index || info.count !== count)
    throw new MarketSamplesInputError(
      `${path}: its footer says shard ${info.index} of ${info.count}, its name ${index} of ${count}`,
    );
  // The one-file footer is the shard's without its last member, `shard`.
  delete parsed.shard;
  return { base: JSON.stringify(parsed), info, scaler: parsed.scaler };
}
