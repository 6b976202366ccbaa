import type { Feature } from './option-specs.js';
import type { CleanedBars } from './cleaning.js';

/**
 * The cleaned bars of every ticker, concatenated into columns on SharedArrayBuffers so that worker
 * threads read them without copies: logs of the prices (computed once), volume, time and a running
 * count of gaps. Ticker `k` owns global bars `offsets[k] .. offsets[k + 1] - 1`.
 */
export interface MarketData {
  readonly tickers: readonly string[];
  readonly offsets: Int32Array;
  readonly time: Float64Array;
  readonly logOpen: Float64Array;
  readonly logHigh: Float64Array;
  readonly logLow: Float64Array;
  readonly logClose: Float64Array;
  readonly volume: Float64Array;
  /** gapsBefore[i] = gaps marked on global bars 0 .. i - 1 (length total + 1). */
  readonly gapsBefore: Int32Array;
}

/** Window and label geometry, the same for the build, its workers and `transform`. */
export interface SampleShape {
  readonly window: number;
  readonly features: readonly Feature[];
  readonly horizons: readonly number[];
  /** ln(1 - cost) - ln(1 + cost): buying at open x (1 + cost), selling at close x (1 - cost). */
  readonly costLog: number;
}

export function sampleShape(c: {
  window: number;
  features: readonly Feature[];
  horizons: readonly number[];
  cost: number;
}): SampleShape {
  return {
    window: c.window,
    features: [...c.features],
    horizons: [...c.horizons],
    costLog: Math.log(1 - c.cost) - Math.log(1 + c.cost),
  };
}

/** Concatenates cleaned tickers into shared columns. */
export function marketDataFrom(tickers: readonly string[], cleaned: readonly CleanedBars[]): MarketData {
  const offsets = new Int32Array(tickers.length + 1);
  for (let k = 0; k < cleaned.length; k++) offsets[k + 1] = offsets[k]! + cleaned[k]!.bars.time.length;
  const total = offsets[tickers.length]!;
  const shared = (n: number) => new Float64Array(new SharedArrayBuffer(8 * n));
  const data = {
    tickers: [...tickers],
    offsets,
    time: shared(total),
    logOpen: shared(total),
    logHigh: shared(total),
    logLow: shared(total),
    logClose: shared(total),
    volume: shared(total),
    gapsBefore: new Int32Array(new SharedArrayBuffer(4 * (total + 1))),
  };
  for (let k = 0; k < cleaned.length; k++) {
    const { bars, gap } = cleaned[k]!;
    const at = offsets[k]!;
    data.time.set(bars.time, at);
    data.volume.set(bars.volume, at);
    for (let i = 0; i < bars.time.length; i++) {
      data.logOpen[at + i] = Math.log(bars.open[i]!);
      data.logHigh[at + i] = Math.log(bars.high[i]!);
      data.logLow[at + i] = Math.log(bars.low[i]!);
      data.logClose[at + i] = Math.log(bars.close[i]!);
      data.gapsBefore[at + i + 1] = data.gapsBefore[at + i]! + (i > 0 ? gap[i]! : 0);
    }
  }
  return data;
}

/**
 * Re-marks ticker k's gaps against `spacingUs` (the median spacing of its training bars) and
 * rewrites its part of `gapsBefore`; returns the number of gaps.
 */
export function markTickerGaps(d: MarketData, k: number, spacingUs: number, factor: number): number {
  const lo = d.offsets[k]!;
  const hi = d.offsets[k + 1]!;
  let gaps = 0;
  for (let i = lo; i < hi; i++) {
    if (i > lo && d.time[i]! - d.time[i - 1]! > factor * spacingUs) gaps++;
    d.gapsBefore[i + 1] = d.gapsBefore[lo]! + gaps;
  }
  return gaps;
}
