import type { Utf8Column } from '@prepkit/record-io';
import { unitOf } from './blocks.js';
import type { UnitTable } from './blocks.js';
import type { MarketData, SampleShape } from './market-data.js';
import { META_COUNT, fillSample } from './sample-kernel.js';
import type { ScalerParams } from './sample-kernel.js';
import { drawChunk } from './sample-positions.js';
import type { PositionTable } from './sample-positions.js';
import { SPLITS } from './split.js';

/** What every worker shares for one build (sent once as workerData; the big arrays are shared memory). */
export interface ChunkContext {
  readonly data: MarketData;
  readonly shape: SampleShape;
  readonly scaler: ScalerParams;
  /** Every eligible window end of the market, numbered (what the draws index into). */
  readonly positions: PositionTable;
  /**
   * Where each shard unit (a ticker, or a time block of a long one) is in `data`, or -1 when its samples are
   * not written here (another shard's): the draws are the whole market's, and each shard keeps its units' samples.
   */
  readonly units: UnitTable;
  readonly seed: number;
}

/** Draws `start .. start + count - 1`: chunk `index` of the one-file output, from its own PRNG stream. */
export interface ChunkTask {
  readonly index: number;
  readonly start: number;
  readonly count: number;
}

/** Chunk i holds draws i x chunkRows ..; its positions come from PRNG stream i. */
export function chunkTasks(n: number, chunkRows: number): ChunkTask[] {
  const tasks: ChunkTask[] = [];
  for (let start = 0, index = 0; start < n; start += chunkRows, index++)
    tasks.push({ index, start, count: Math.min(chunkRows, n - start) });
  return tasks;
}

/** One chunk's output columns (views on one buffer that moves between threads). */
export interface ChunkColumns {
  /** The samples of this chunk kept by its shard (all of them with one shard). */
  readonly count: number;
  /** Samples of train, valid and test in this chunk. */
  readonly perSplit: readonly [number, number, number];
  /** Milliseconds the chunk took to compute (on its worker). */
  readonly computeMs: number;
  readonly ticker: Utf8Column;
  readonly split: Utf8Column;
  readonly endTime: BigInt64Array;
  readonly barIndex: Int32Array;
  readonly gaps: Int32Array;
  readonly features: Float32Array;
  readonly meta: Float32Array;
  readonly rewards: readonly Float32Array[];
}

const HEADER_SLOTS = 12;
const encoder = new TextEncoder();

/**
 * Draws a chunk's sample positions (`drawChunk`: the same in every process, whatever the thread or
 * shard), keeps those of this shard's units and computes their windows, meta features and rewards.
 */
export function computeChunk(ctx: ChunkContext, task: ChunkTask): ArrayBuffer {
  const started = performance.now();
  const { data, shape } = ctx;
  const draws = drawChunk(ctx.positions, ctx.seed, task.index, task.count);
  const ends = new Int32Array(task.count);
  const barIndex = new Int32Array(task.count);
  const tickers = new Int32Array(task.count);
  const splits = new Int32Array(task.count);
  const names = data.tickers.map((t) => encoder.encode(t));
  const splitNames = SPLITS.map((s) => encoder.encode(s));
  let tickerBytes = 0;
  let splitBytes = 0;
  const perSplit = [0, 0, 0];
  let n = 0;
  for (let r = 0; r < task.count; r++) {
    const e = draws.end[r]!;
    const k = ctx.units.local[unitOf(ctx.units, draws.ticker[r]!, e)]!;
    if (k < 0) continue;
    const split = draws.split[r]!;
    // Entry k holds its ticker's bars from bar base[k] on (a block's halo), or all of them.
    ends[n] = data.offsets[k]! + e - ctx.units.base[k]!;
    barIndex[n] = e;
    tickers[n] = k;
    splits[n] = split;
    tickerBytes += names[k]!.length;
    splitBytes += splitNames[split]!.length;
    perSplit[split]!++;
    n++;
  }
  const layout = chunkLayout(n, shape, tickerBytes, splitBytes);
  const buffer = new ArrayBuffer(layout.total);
  new Float64Array(buffer, 0, HEADER_SLOTS).set([n, tickerBytes, splitBytes, ...perSplit]);
  const out = chunkViews(buffer, shape);
  let tb = 0;
  let sb = 0;
  const end = (k: number) => data.offsets[k + 1]!;
  for (let r = 0; r < n; r++) {
    const e = ends[r]!;
    const k = tickers[r]!;
    out.ticker.data.set(names[k]!, tb);
    tb += names[k]!.length;
    out.ticker.offsets[r + 1] = tb;
    out.split.data.set(splitNames[splits[r]!]!, sb);
    sb += splitNames[splits[r]!]!.length;
    out.split.offsets[r + 1] = sb;
    out.endTime[r] = BigInt(data.time[e]!);
    out.barIndex[r] = barIndex[r]!;
    fillSample(data, shape, ctx.scaler, k, e, end(k), out, r);
  }
  new Float64Array(buffer, 0, HEADER_SLOTS)[6] = performance.now() - started;
  return buffer;
}

interface Layout {
  readonly total: number;
  readonly at: readonly number[];
}

function chunkLayout(n: number, shape: SampleShape, tickerBytes: number, splitBytes: number): Layout {
  const sizes = [
    4 * (n + 1), // ticker offsets
    tickerBytes,
    4 * (n + 1), // split offsets
    splitBytes,
    8 * n, // end time
    4 * n, // bar index
    4 * n, // gaps
    4 * n * shape.window * shape.features.length,
    4 * n * META_COUNT,
    ...shape.horizons.map(() => 4 * n),
  ];
  const at: number[] = [];
  let offset = 8 * HEADER_SLOTS;
  for (const size of sizes) {
    at.push(offset);
    offset += Math.ceil(size / 8) * 8;
  }
  return { total: offset, at };
}

/** Views on a chunk buffer made by `computeChunk` for `shape` (no copies). */
export function chunkViews(buffer: ArrayBuffer, shape: SampleShape): ChunkColumns {
  const header = new Float64Array(buffer, 0, 7);
  const [n = 0, tickerBytes = 0, splitBytes = 0, train = 0, valid = 0, test = 0, computeMs = 0] = header;
  const { at } = chunkLayout(n, shape, tickerBytes, splitBytes);
  const cells = shape.window * shape.features.length;
  return {
    count: n,
    perSplit: [train, valid, test],
    computeMs,
    ticker: {
      offsets: new Int32Array(buffer, at[0], n + 1),
      data: new Uint8Array(buffer, at[1], tickerBytes),
    },
    split: { offsets: new Int32Array(buffer, at[2], n + 1), data: new Uint8Array(buffer, at[3], splitBytes) },
    endTime: new BigInt64Array(buffer, at[4], n),
    barIndex: new Int32Array(buffer, at[5], n),
    gaps: new Int32Array(buffer, at[6], n),
    features: new Float32Array(buffer, at[7], n * cells),
    meta: new Float32Array(buffer, at[8], n * META_COUNT),
    rewards: shape.horizons.map((_, j) => new Float32Array(buffer, at[9 + j], n)),
  };
}
