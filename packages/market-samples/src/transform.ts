import type { Bars } from './bars.js';
import { barCount } from './bars.js';
import { cleanBars } from './cleaning.js';
import type { CleaningReport } from './cleaning.js';
import { MarketSamplesInputError } from './errors.js';
import { marketDataFrom } from './market-data.js';
import { META_COUNT, fillSample } from './sample-kernel.js';
import { scalerParams, scalerShape } from './scaler.js';
import type { Scaler } from './scaler.js';

export interface TransformOptions {
  /** Indices (into the cleaned bars) of the bars where windows end. Default: every bar with a full window. */
  ends?: readonly number[];
}

export interface TransformResult {
  /** The bars after cleaning with the scaler's settings; `ends` index these. */
  readonly bars: Bars;
  readonly cleaning: CleaningReport;
  readonly ends: Int32Array;
  /** ends.length x window x features, as in the samples file. */
  readonly features: Float32Array;
  /** ends.length x 5 meta features, z-scored with the fitted scaler. */
  readonly meta: Float32Array;
  /** One array per horizon; NaN where the bars end before the horizon (the usual case at inference). */
  readonly rewards: readonly Float32Array[];
  readonly gaps: Int32Array;
}

/**
 * Applies a fitted scaler (`meta_scaler.json`) to new bars of a ticker it was fitted on: cleans
 * them the same way and computes the windows, meta features and (where the bars reach) rewards
 * exactly as the build does.
 *
 * @example
 * const scaler = await readScaler('data/meta_scaler.json');
 * const { features, meta } = transform(scaler, 'AAA', latestBars, { ends: [latestBars.time.length - 1] });
 */
export function transform(
  scaler: Scaler,
  ticker: string,
  bars: Bars,
  options: TransformOptions = {},
): TransformResult {
  const fitted = scaler.per_ticker[ticker];
  if (fitted === undefined)
    throw new MarketSamplesInputError(
      `the scaler has no ticker "${ticker}" (it has ${Object.keys(scaler.per_ticker).join(', ')})`,
    );
  const shape = scalerShape(scaler);
  const cleaned = cleanBars(bars, {
    gapFactor: scaler.gap_factor,
    inconsistentBars: scaler.inconsistent_bars,
  });
  const n = barCount(cleaned.bars);
  const w = shape.window;
  const ends = Int32Array.from(
    options.ends ?? Array.from({ length: Math.max(0, n - w + 1) }, (_, i) => i + w - 1),
  );
  for (const e of ends) {
    if (!(e >= w - 1 && e < n))
      throw new MarketSamplesInputError(
        `window end ${e} is out of range: needs ${w - 1} <= end < ${n} (clean bars)`,
      );
  }
  const data = marketDataFrom([ticker], [cleaned]);
  const params = scalerParams(scaler, [ticker]);
  const out = {
    features: new Float32Array(ends.length * w * shape.features.length),
    meta: new Float32Array(ends.length * META_COUNT),
    rewards: shape.horizons.map(() => new Float32Array(ends.length)),
    gaps: new Int32Array(ends.length),
  };
  ends.forEach((e, row) => fillSample(data, shape, params, 0, e, n, out, row));
  return { bars: cleaned.bars, cleaning: cleaned.report, ends, ...out };
}
