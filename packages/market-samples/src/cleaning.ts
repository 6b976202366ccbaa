import type { Bars } from './bars.js';
import { allocateBars, barCount } from './bars.js';

export interface CleaningOptions {
  /** A bar is a gap when it is more than this x the median spacing after the previous one. Default: 1.5. */
  gapFactor?: number;
  /** Bars whose high/low do not bound open/close: `repair` (default) or `drop`. */
  inconsistentBars?: 'repair' | 'drop';
  /**
   * The spacing gaps are measured against, in microseconds. Default: the median spacing of these
   * bars. The build passes each ticker's median spacing over its training bars (saved in the
   * scaler), so that no later bar decides whether an earlier one is a gap.
   */
  spacingUs?: number;
}

/** What cleaning did to one ticker: every change is counted here, none is silent. */
export interface CleaningReport {
  readonly inputRows: number;
  /** Rows whose time was missing. */
  readonly droppedBadTime: number;
  /** Rows with a non-finite or non-positive open, high, low or close. */
  readonly droppedBadPrice: number;
  /** Rows with a negative or non-finite volume. */
  readonly droppedBadVolume: number;
  /** Rows whose high/low did not bound the other prices, dropped (`inconsistentBars: drop`). */
  readonly droppedInconsistent: number;
  /** Rows with the same time as an earlier valid row (the first in input order is kept). */
  readonly droppedDuplicates: number;
  /** Rows whose high was raised / low lowered to bound open and close (`inconsistentBars: repair`). */
  readonly repairedHighLow: number;
  /** Rows that were out of time order in the input (they are sorted). */
  readonly outOfOrder: number;
  /** Bars after a gap (spacing above gapFactor x the median). */
  readonly gaps: number;
  readonly medianSpacingUs: number;
  readonly keptRows: number;
}

export interface CleanedBars {
  readonly bars: Bars;
  /** 1 where the bar follows a gap. */
  readonly gap: Uint8Array;
  readonly report: CleaningReport;
}

/**
 * Sorts by time, drops rows with a bad time, price or volume, drops duplicate timestamps (keeping
 * the first valid row in input order), repairs or drops rows whose high/low are inconsistent, and
 * marks gaps. Counts everything in the report.
 */
export function cleanBars(raw: Bars, options: CleaningOptions = {}): CleanedBars {
  const gapFactor = options.gapFactor ?? 1.5;
  const repair = (options.inconsistentBars ?? 'repair') === 'repair';
  const n = barCount(raw);
  const { time, open, high, low, close, volume } = raw;
  let badTime = 0;
  let badPrice = 0;
  let badVolume = 0;
  let inconsistent = 0;
  let outOfOrder = 0;
  const keep: number[] = [];
  let lastTime = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = time[i]!;
    if (!Number.isFinite(t)) {
      badTime++;
      continue;
    }
    const o = open[i]!;
    const h = high[i]!;
    const l = low[i]!;
    const c = close[i]!;
    if (!(o > 0 && h > 0 && l > 0 && c > 0) || !Number.isFinite(o + h + l + c)) {
      badPrice++;
      continue;
    }
    const v = volume[i]!;
    if (!(v >= 0) || !Number.isFinite(v)) {
      badVolume++;
      continue;
    }
    if (!repair && (h < Math.max(o, c, l) || l > Math.min(o, c, h))) {
      inconsistent++;
      continue;
    }
    if (t < lastTime) outOfOrder++;
    lastTime = Math.max(lastTime, t);
    keep.push(i);
  }
  // Stable: equal times keep input order, so the first of duplicates wins.
  if (outOfOrder > 0) keep.sort((a, b) => time[a]! - time[b]! || a - b);
  let duplicates = 0;
  const unique: number[] = [];
  for (const i of keep) {
    if (unique.length > 0 && time[unique[unique.length - 1]!] === time[i]) duplicates++;
    else unique.push(i);
  }
  const out = allocateBars(unique.length);
  let repaired = 0;
  for (let j = 0; j < unique.length; j++) {
    const i = unique[j]!;
    const o = open[i]!;
    const c = close[i]!;
    let h = high[i]!;
    let l = low[i]!;
    const hi = Math.max(o, h, l, c);
    const lo = Math.min(o, h, l, c);
    if (h !== hi || l !== lo) {
      repaired++;
      h = hi;
      l = lo;
    }
    out.time[j] = time[i]!;
    out.open[j] = o;
    out.high[j] = h;
    out.low[j] = l;
    out.close[j] = c;
    out.volume[j] = volume[i]!;
  }
  const { gap, gaps, median } = markGaps(out.time, gapFactor, options.spacingUs);
  return {
    bars: out,
    gap,
    report: {
      inputRows: n,
      droppedBadTime: badTime,
      droppedBadPrice: badPrice,
      droppedBadVolume: badVolume,
      droppedInconsistent: inconsistent,
      droppedDuplicates: duplicates,
      repairedHighLow: repaired,
      outOfOrder,
      gaps,
      medianSpacingUs: median,
      keptRows: unique.length,
    },
  };
}

/** The median distance between consecutive times (0 for fewer than two). */
export function medianSpacing(time: Float64Array): number {
  if (time.length < 2) return 0;
  const spacing = new Float64Array(time.length - 1);
  for (let i = 1; i < time.length; i++) spacing[i - 1] = time[i]! - time[i - 1]!;
  return spacing.sort()[(spacing.length - 1) >> 1]!;
}

/** Flags (1) every bar more than factor x spacing after the previous one. */
export function markGaps(
  time: Float64Array,
  factor: number,
  spacingUs?: number,
): { gap: Uint8Array; gaps: number; median: number } {
  const n = time.length;
  const gap = new Uint8Array(n);
  const median = spacingUs ?? medianSpacing(time);
  if (n < 2) return { gap, gaps: 0, median };
  let gaps = 0;
  for (let i = 1; i < n; i++) {
    if (time[i]! - time[i - 1]! > factor * median) {
      gap[i] = 1;
      gaps++;
    }
  }
  return { gap, gaps, median };
}
