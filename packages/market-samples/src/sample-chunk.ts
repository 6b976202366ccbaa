import type { Utf8Column } from '@prepkit/record-io';
import type { MarketData, SampleShape } from './market-data.js';
import { tickerOf } from './market-data.js';
import { Prng } from '@prepkit/bench-harness';
import { META_COUNT, fillSample } from './sample-kernel.js';
import type { ScalerParams } from './sample-kernel.js';
import { SPLITS } from './split.js';

/** What every worker shares for one build (sent once as workerData; the big arrays are shared memory). */
export interface ChunkContext {
  readonly data: MarketData;
  readonly shape: SampleShape;
  readonly scaler: ScalerParams;
  /** Global bar indices where a sample may end: train ends, then valid, then test. */
  readonly eligible: Int32Array;
  /** eligible[0 .. trainEnds - 1] are train, then validEnds of valid, the rest test. */
  readonly trainEnds: number;
  readonly validEnds: number;
  readonly seed: number;
}

/** Samples `start .. start + count - 1`: chunk `index` of the output, drawn from its own PRNG stream. */
export interface ChunkTask {
  readonly index: number;
  readonly start: number;
  readonly count: number;
}

/** One chunk's output columns (views on one buffer that moves between threads). */
export interface ChunkColumns {
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
 * Draws a chunk's sample positions (uniformly over every eligible window end, with replacement,
 * from a PRNG seeded by the build's seed and the chunk index, so the result does not depend on
 * which thread runs it) and computes their windows, meta features and rewards.
 */
export function computeChunk(ctx: ChunkContext, task: ChunkTask): ArrayBuffer {
  const started = performance.now();
  const { data, shape, eligible } = ctx;
  const rng = new Prng(`${ctx.seed}:${task.index}`);
  const n = task.count;
  const ends = new Int32Array(n);
  const tickers = new Int32Array(n);
  const splits = new Int32Array(n);
  const names = data.tickers.map((t) => encoder.encode(t));
  const splitNames = SPLITS.map((s) => encoder.encode(s));
  let tickerBytes = 0;
  let splitBytes = 0;
  const perSplit = [0, 0, 0];
  for (let r = 0; r < n; r++) {
    const j = rng.int(eligible.length);
    const e = eligible[j]!;
    const k = tickerOf(data, e);
    const split = j < ctx.trainEnds ? 0 : j < ctx.trainEnds + ctx.validEnds ? 1 : 2;
    ends[r] = e;
    tickers[r] = k;
    splits[r] = split;
    tickerBytes += names[k]!.length;
    splitBytes += splitNames[split]!.length;
    perSplit[split]!++;
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
    out.barIndex[r] = e - data.offsets[k]!;
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
