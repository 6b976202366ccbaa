import type { MarketData, SampleShape } from './market-data.js';

/** Meta features of a sample, in column order of `meta` (see README "Meta features"). */
export const META_FEATURES = ['log_close', 'log_volume', 'momentum', 'volatility', 'range'] as const;
export const META_COUNT = META_FEATURES.length;
/** The first two are z-scored per ticker, the others with one global scaler. */
export const PER_TICKER_META = 2;

/**
 * z-score parameters: `perTicker[4k..4k+3]` = mean and std of log_close, mean and std of
 * log_volume for ticker k; `global[0..5]` = mean and std of momentum, volatility, range.
 */
export interface ScalerParams {
  readonly perTicker: Float64Array;
  readonly global: Float64Array;
}

/** Where a sample's outputs go: row `row` of each array. */
export interface SampleOutput {
  /** rows x window x features.length */
  readonly features: Float32Array;
  /** rows x META_COUNT */
  readonly meta: Float32Array;
  /** horizons.length arrays of rows */
  readonly rewards: readonly Float32Array[];
  readonly gaps: Int32Array;
}

/**
 * Unscaled meta features of the window ending at global bar `e` (bars e - window + 1 .. e only),
 * written to `out[0..4]`, and the mean volume to `out[5]`. Sums run in bar order so every caller gets the same float64 bits.
 */
export function rawMeta(d: MarketData, shape: SampleShape, e: number, out: Float64Array): void {
  const w = shape.window;
  const s = e - w + 1;
  const lc = d.logClose;
  let volumeSum = 0;
  let rangeSum = 0;
  let squares = 0;
  for (let t = s; t <= e; t++) {
    volumeSum += d.volume[t]!;
    rangeSum += d.logHigh[t]! - d.logLow[t]!;
    if (t > s) {
      const r = lc[t]! - lc[t - 1]!;
      squares += r * r;
    }
  }
  out[0] = lc[e]!;
  out[1] = Math.log1p(volumeSum / w);
  out[2] = lc[e]! - lc[s]!;
  out[3] = Math.sqrt(squares / (w - 1));
  out[4] = rangeSum / w;
  out[5] = volumeSum / w;
}

let cachedColumns: { d: MarketData; features: SampleShape['features']; columns: Float64Array[] } | undefined;

function featureColumns(d: MarketData, features: SampleShape['features']): Float64Array[] {
  if (cachedColumns?.d !== d || cachedColumns.features !== features) {
    const byName = { open: d.logOpen, high: d.logHigh, low: d.logLow, close: d.logClose, volume: d.volume };
    cachedColumns = { d, features, columns: features.map((name) => byName[name]) };
  }
  return cachedColumns.columns;
}

const metaScratch = new Float64Array(META_COUNT + 1);

/**
 * Computes one sample: the window ending at global bar `e` of ticker `k` (features and meta from
 * bars e - window + 1 .. e only), and its rewards from bars e + 1 .. e + h (NaN where the ticker's
 * bars end before e + h, that is at global bar `end`).
 */
export function fillSample(
  d: MarketData,
  shape: SampleShape,
  scaler: ScalerParams,
  k: number,
  e: number,
  end: number,
  out: SampleOutput,
  row: number,
): void {
  const w = shape.window;
  const s = e - w + 1;
  const features = shape.features;
  const nf = features.length;
  rawMeta(d, shape, e, metaScratch);
  const lastClose = d.logClose[e]!;
  const meanVolume = metaScratch[5]!;
  const columns = featureColumns(d, features);
  const base = row * w * nf;
  const f = out.features;
  // One pass per feature (stride nf): each loop reads one column, with no branch per element.
  for (let j = 0; j < nf; j++) {
    const column = columns[j]!;
    let at = base + j;
    if (column === d.volume) {
      // The volume relative to the window's mean volume.
      if (meanVolume > 0) for (let t = s; t <= e; t++, at += nf) f[at] = column[t]! / meanVolume;
      else for (let t = s; t <= e; t++, at += nf) f[at] = 0;
    } else {
      // A log price relative to the last close.
      for (let t = s; t <= e; t++, at += nf) f[at] = column[t]! - lastClose;
    }
  }
  const m = out.meta;
  const mb = row * META_COUNT;
  const pt = scaler.perTicker;
  const g = scaler.global;
  m[mb] = (metaScratch[0]! - pt[4 * k]!) / pt[4 * k + 1]!;
  m[mb + 1] = (metaScratch[1]! - pt[4 * k + 2]!) / pt[4 * k + 3]!;
  m[mb + 2] = (metaScratch[2]! - g[0]!) / g[1]!;
  m[mb + 3] = (metaScratch[3]! - g[2]!) / g[3]!;
  m[mb + 4] = (metaScratch[4]! - g[4]!) / g[5]!;
  const horizons = shape.horizons;
  for (let j = 0; j < horizons.length; j++) {
    const exit = e + horizons[j]!;
    out.rewards[j]![row] = exit < end ? d.logClose[exit]! - d.logOpen[e + 1]! + shape.costLog : Number.NaN;
  }
  out.gaps[row] = d.gapsBefore[e + 1]! - d.gapsBefore[s + 1]!;
}
