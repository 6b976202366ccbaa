import type { MarketData, SampleShape } from './market-data.js';

export const SPLITS = ['train', 'valid', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];

/** Time cuts shared by every ticker: train is before `trainEndUs`, valid before `validEndUs`, test the rest. */
export interface SplitCuts {
  readonly trainEndUs: number;
  readonly validEndUs: number;
}

/** Inclusive ranges of global bar indices where a sample's window may end, per split; empty when lo > hi. */
export interface TickerSplit {
  readonly ends: Readonly<Record<SplitName, readonly [number, number]>>;
  /** Window ends whose window lies in the training period: the scaler is fitted on these. */
  readonly fit: readonly [number, number];
  readonly bars: Readonly<Record<SplitName, number>>;
}

/**
 * The cut times: the configured dates, or the timestamps at the given fractions of all tickers'
 * bars pooled and sorted (so every ticker is cut at the same instants).
 */
export function splitCuts(
  d: MarketData,
  c: { trainEnd: string | null; validEnd: string | null; trainFraction: number; validFraction: number },
): SplitCuts {
  if (c.trainEnd !== null && c.validEnd !== null)
    return { trainEndUs: Date.parse(c.trainEnd) * 1000, validEndUs: Date.parse(c.validEnd) * 1000 };
  const sorted = d.time.slice().sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;
  return { trainEndUs: at(c.trainFraction), validEndUs: at(c.trainFraction + c.validFraction) };
}

/**
 * Where samples of ticker k may end. A sample ending at e uses bars e - window + 1 .. e + max(h);
 * all of them lie inside its split, and valid and test also skip their first `gapBars` bars, so the
 * bars used by different splits are at least `gapBars` apart.
 */
export function tickerSplit(
  d: MarketData,
  shape: SampleShape,
  cuts: SplitCuts,
  gapBars: number,
  k: number,
): TickerSplit {
  const lo = d.offsets[k]!;
  const end = d.offsets[k + 1]!;
  const validLo = firstAtOrAfter(d.time, lo, end, cuts.trainEndUs);
  const testLo = firstAtOrAfter(d.time, validLo, end, cuts.validEndUs);
  const w = shape.window - 1;
  const h = shape.horizons[shape.horizons.length - 1]!;
  return {
    ends: {
      train: [lo + w, validLo - 1 - h],
      valid: [validLo + gapBars + w, testLo - 1 - h],
      test: [testLo + gapBars + w, end - 1 - h],
    },
    fit: [lo + w, validLo - 1],
    bars: { train: validLo - lo, valid: testLo - validLo, test: end - testLo },
  };
}

export function rangeSize(range: readonly [number, number]): number {
  return Math.max(0, range[1] - range[0] + 1);
}

function firstAtOrAfter(time: Float64Array, lo: number, hi: number, t: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (time[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
