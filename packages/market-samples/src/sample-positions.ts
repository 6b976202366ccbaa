import { Prng } from '@prepkit/bench-harness';
import type { MarketData } from './market-data.js';
import { SPLITS, rangeSize } from './split.js';
import type { TickerSplit } from './split.js';

/**
 * Where samples may end, in the plan's JSON: per split, per active ticker (in load order), the first
 * eligible window end (a bar index within the ticker) and how many follow it. Listed split-major,
 * these ranges are the numbered list of every eligible window end that sample draws index into, so a
 * shard holding only some tickers draws the same positions as the whole market does.
 */
export interface SamplePositions {
  /** The tickers that give samples, in load order. */
  readonly tickers: readonly string[];
  /** Clean bars of each, so that a shard can check it cleaned the same bars. */
  readonly bars: readonly number[];
  /** [split][ticker]: first eligible window end, as a bar index within the ticker. */
  readonly first: readonly (readonly number[])[];
  /** [split][ticker]: eligible window ends from `first` on. */
  readonly count: readonly (readonly number[])[];
}

/** `SamplePositions` as typed arrays for the draw (sent to worker threads once). */
export interface PositionTable {
  /** Cumulative index of each non-empty range's first end; one more entry: the total. */
  readonly starts: Float64Array;
  /** The range's ticker, an index into `SamplePositions.tickers`. */
  readonly ticker: Int32Array;
  readonly first: Int32Array;
  /**
   * guide[b] = the range holding end number floor(b x total / G), for G + 1 buckets: a draw's binary search
   * starts between two of them (a few ranges) instead of over all (a 3 x tickers range search was ~300 ns a draw).
   */
  readonly guide: Int32Array;
  readonly total: number;
  readonly trainEnds: number;
  readonly validEnds: number;
}

/** The positions of the active tickers `active` of `data`, from their split ranges (global bar indices). */
export function samplePositions(
  data: MarketData,
  splits: readonly TickerSplit[],
  active: readonly number[],
): SamplePositions {
  return {
    tickers: active.map((k) => data.tickers[k]!),
    bars: active.map((k) => data.offsets[k + 1]! - data.offsets[k]!),
    first: SPLITS.map((split) => active.map((k) => splits[k]!.ends[split][0] - data.offsets[k]!)),
    count: SPLITS.map((split) => active.map((k) => rangeSize(splits[k]!.ends[split]))),
  };
}

export function positionTable(p: SamplePositions): PositionTable {
  const starts: number[] = [0];
  const ticker: number[] = [];
  const first: number[] = [];
  const perSplit = [0, 0, 0];
  p.count.forEach((counts, s) =>
    counts.forEach((n, a) => {
      if (n <= 0) return;
      ticker.push(a);
      first.push(p.first[s]![a]!);
      starts.push(starts[starts.length - 1]! + n);
      perSplit[s]! += n;
    }),
  );
  const total = starts[starts.length - 1]!;
  const buckets = Math.min(1 << 20, 2 * ticker.length);
  const guide = new Int32Array(buckets + 1);
  for (let b = 0, range = 0; b <= buckets; b++) {
    const j = Math.min(total - 1, Math.floor((b * total) / buckets));
    while (range < ticker.length - 1 && starts[range + 1]! <= j) range++;
    guide[b] = range;
  }
  return {
    starts: Float64Array.from(starts),
    ticker: Int32Array.from(ticker),
    first: Int32Array.from(first),
    guide,
    total,
    trainEnds: perSplit[0]!,
    validEnds: perSplit[1]!,
  };
}

/** The draws of one chunk: per sample, its ticker (index into the positions' tickers), end bar within it and split. */
export interface Draws {
  readonly ticker: Int32Array;
  readonly end: Int32Array;
  readonly split: Int32Array;
}

/**
 * The draws of chunk `index` of a build (`count` samples): uniform over every eligible window end, with
 * replacement, from a PRNG seeded by the build's seed and the chunk index, so any process can repeat them.
 */
export function drawChunk(table: PositionTable, seed: number, index: number, count: number): Draws {
  const rng = new Prng(`${seed}:${index}`);
  const out = { ticker: new Int32Array(count), end: new Int32Array(count), split: new Int32Array(count) };
  const { starts, guide } = table;
  const last = starts.length - 2;
  const buckets = guide.length - 1;
  for (let r = 0; r < count; r++) {
    const j = rng.int(table.total);
    // The last range starting at or before j: between the guide's two ranges around j (widened should rounding
    // have put j in a neighbouring bucket), then a binary search.
    const b = Math.min(buckets - 1, Math.floor((j * buckets) / table.total));
    let lo = guide[b]!;
    let hi = guide[b + 1]!;
    while (lo > 0 && starts[lo]! > j) lo--;
    while (hi < last && starts[hi + 1]! <= j) hi++;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= j) lo = mid;
      else hi = mid - 1;
    }
    out.ticker[r] = table.ticker[lo]!;
    out.end[r] = table.first[lo]! + (j - starts[lo]!);
    out.split[r] = j < table.trainEnds ? 0 : j < table.trainEnds + table.validEnds ? 1 : 2;
  }
  return out;
}
