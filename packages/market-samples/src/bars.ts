/**
 * One ticker's bars as columns: `time` in microseconds since the Unix epoch (UTC; exact in a
 * float64 up to year 2255), prices and volume as float64.
 */
export interface Bars {
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

export const BAR_COLUMNS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

export function barCount(bars: Bars): number {
  return bars.time.length;
}

/** Empty bars of `n` rows. */
export function allocateBars(n: number): Bars {
  return {
    time: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
}

/** The first `n` bars (views, no copy). */
export function headBars(bars: Bars, n: number): Bars {
  return {
    time: bars.time.subarray(0, n),
    open: bars.open.subarray(0, n),
    high: bars.high.subarray(0, n),
    low: bars.low.subarray(0, n),
    close: bars.close.subarray(0, n),
    volume: bars.volume.subarray(0, n),
  };
}
