import { basename, dirname, join } from 'node:path';
import type { Phase } from '@prepkit/bench-harness';
import { openParquetWriter, shardName } from '@prepkit/record-io';
import type { ShardSpec } from '@prepkit/record-io';
import { WorkerPool, workerModule } from '@prepkit/worker-pool';
import { anyBlocked, shardUnits, unitTable } from './blocks.js';
import type { LoadedMarket } from './load-market.js';
import { sampleShape } from './market-data.js';
import { naiveChunks } from './naive-samples.js';
import type { ResolvedBuildSamplesOptions } from './options.js';
import { samplesFileName } from './options.js';
import { planScaler } from './plan.js';
import type { SamplesPlan } from './plan.js';
import { chunkTasks, chunkViews } from './sample-chunk.js';
import type { ShardMarket } from './shard-market.js';
import type { ChunkColumns, ChunkContext, ChunkTask } from './sample-chunk.js';
import { positionTable } from './sample-positions.js';
import { batchOf, fileMetadata, sampleColumns } from './samples-file.js';
import { scalerParams } from './scaler.js';

// One shard's samples file: the samples of the units (tickers, and time blocks of tickers longer than
// blockBars: see blocks.ts) that shardOf(key, count) gives it, in the order of the one-file output. One
// shard of one is the one-file output itself.

export interface WrittenShard {
  readonly path: string;
  readonly records: number;
  readonly bytes: number;
  readonly perSplit: readonly [number, number, number];
  /** Chunk compute time summed over worker threads, and time waiting for the Parquet writer. */
  readonly computeMs: number;
  readonly writeWaitMs: number;
}

/**
 * The samples file of `shard`: `samples_1M.parquet` for one shard, else
 * `samples_1M-00002-of-00004.parquet` (record-io's shardName on the one-file name).
 */
export function shardFileName(c: Readonly<ResolvedBuildSamplesOptions>, shard: ShardSpec): string {
  const whole = samplesFileName(c, c.nSamples);
  if (shard.count === 1) return whole;
  const name = basename(whole);
  const dot = name.lastIndexOf('.');
  const file =
    dot > 0
      ? shardName(name.slice(0, dot), shard.index, shard.count, name.slice(dot + 1))
      : shardName(name, shard.index, shard.count);
  return join(dirname(whole), file);
}

/**
 * Writes the samples of `shard` to `path` (zstd Parquet through the atomic writer, row groups of
 * chunk_rows): every process repeats the draws of the whole build and keeps those of the shard's
 * units (tickers, and time blocks of long ones), so file i of any run holds the same bytes. `market`
 * (null: none of its units give samples) must hold at least the shard's units, with gaps marked: whole
 * tickers (a `LoadedMarket`), or as `loadShardMarket` loads them (a `ShardMarket`).
 */
export async function writeSamplesShard(
  c: Readonly<ResolvedBuildSamplesOptions>,
  plan: SamplesPlan,
  market: LoadedMarket | ShardMarket | null,
  shard: ShardSpec,
  path: string,
  phase: Pick<Phase, 'advance'>,
): Promise<WrittenShard> {
  const shape = sampleShape(c);
  const scaler = planScaler(plan);
  const writer = await openParquetWriter(path, sampleColumns(shape), {
    compression: c.parquetCompression,
    rowGroupSize: c.chunkRows,
    threads: c.variant === 'naive' ? 1 : c.threads,
    metadata: fileMetadata(c, plan.tickers, scaler, shardInfo(c, plan, shard)),
    ...(c.signal === undefined ? {} : { signal: c.signal }),
  });
  const perSplit: [number, number, number] = [0, 0, 0];
  const timing = { computeMs: 0, writeWaitMs: 0 };
  try {
    if (market !== null) {
      const context: ChunkContext = {
        data: market.data,
        shape,
        scaler: scalerParams(scaler, market.data.tickers),
        positions: positionTable(plan.positions),
        units: unitTable(
          shardUnits(plan.positions, plan.blockBars),
          plan.positions,
          shard,
          'keys' in market ? market.keys : market.data.tickers,
          'base' in market ? market.base : market.data.tickers.map(() => 0),
        ),
        seed: c.seed,
      };
      const tasks = chunkTasks(c.nSamples, c.chunkRows);
      const chunks =
        c.variant === 'naive'
          ? naiveChunks(market.cleaned, context, tasks)
          : parallelChunks(context, tasks, c);
      let t = 0;
      for await (const chunk of chunks) {
        timing.computeMs += chunk.computeMs;
        const handedOver = performance.now();
        if (chunk.count > 0) await writer.write(batchOf(chunk, shape));
        timing.writeWaitMs += performance.now() - handedOver;
        for (let s = 0; s < 3; s++) perSplit[s]! += chunk.perSplit[s]!;
        phase.advance(tasks[t++]!.count);
      }
    }
    const closing = performance.now();
    const closed = await writer.close();
    timing.writeWaitMs += performance.now() - closing;
    return { path, records: closed.records, bytes: closed.bytes, perSplit, ...timing };
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

/** What a shard file's footer adds to the one-file footer: enough for `merge` to restore the order. */
export interface ShardInfo {
  readonly index: number;
  readonly count: number;
  /** The one-file output's name and its scaler's, relative to the data directory. */
  readonly samples_file: string;
  readonly scaler_file: string;
  readonly chunk_rows: number;
  readonly compression: string;
  readonly positions: SamplesPlan['positions'];
  /** Present only when some ticker is cut into time blocks: merge then finds a sample's shard by its block. */
  readonly block_bars?: number;
}

function shardInfo(
  c: Readonly<ResolvedBuildSamplesOptions>,
  plan: SamplesPlan,
  shard: ShardSpec,
): ShardInfo | undefined {
  if (shard.count === 1) return undefined; // the one-file output's footer stays as it was
  return {
    index: shard.index,
    count: shard.count,
    samples_file: samplesFileName(c, c.nSamples),
    scaler_file: c.scalerFilename,
    chunk_rows: c.chunkRows,
    compression: c.parquetCompression,
    // Built member by member: the queue's jsonb reorders the plan's keys, and the footer's bytes must not change.
    positions: {
      tickers: plan.positions.tickers,
      bars: plan.positions.bars,
      first: plan.positions.first,
      count: plan.positions.count,
    },
    // Left out when no ticker is cut, so that files are the same as before blocks existed.
    block_bars: anyBlocked(plan.positions, plan.blockBars) ? plan.blockBars : undefined,
  };
}

async function* parallelChunks(
  context: ChunkContext,
  tasks: readonly ChunkTask[],
  c: Readonly<ResolvedBuildSamplesOptions>,
): AsyncGenerator<ChunkColumns> {
  await using pool = new WorkerPool<ChunkTask, ArrayBuffer>({
    filename: workerModule(import.meta.url, 'sample-worker'),
    threads: c.threads,
    workerData: context,
  });
  for await (const buffer of pool.map(tasks, { signal: c.signal })) yield chunkViews(buffer, context.shape);
}
