import { readFile } from 'node:fs/promises';
import { openAtomicFile } from '@prepkit/record-io';
import type { Feature } from './option-specs.js';
import { MarketSamplesInputError } from './errors.js';
import type { MarketData, SampleShape } from './market-data.js';
import { sampleShape } from './market-data.js';
import { META_COUNT, META_FEATURES, rawMeta } from './sample-kernel.js';
import type { ScalerParams } from './sample-kernel.js';
import type { SplitCuts, TickerSplit } from './split.js';

export const SCALER_FORMAT = 'prepkit-market-samples-scaler';

export interface ZScore {
  readonly mean: number;
  readonly std: number;
}

/**
 * The content of `meta_scaler.json`: everything inference needs to turn new bars into samples the
 * way the build did (window, features, horizons, cost, cleaning settings and fitted z-scores).
 */
export interface Scaler {
  readonly format: typeof SCALER_FORMAT;
  readonly version: 1;
  readonly window: number;
  readonly features: readonly Feature[];
  readonly horizons: readonly number[];
  readonly cost: number;
  readonly gap_factor: number;
  readonly inconsistent_bars: 'repair' | 'drop';
  readonly split: { readonly train_end: string; readonly valid_end: string; readonly gap_bars: number };
  readonly meta_features: readonly string[];
  /** Fitted on the training windows of each ticker: log_close and log_volume. */
  readonly per_ticker: Readonly<
    Record<
      string,
      {
        readonly fit_windows: number;
        /** Median bar spacing over the training bars (µs): gaps are measured against it. */
        readonly bar_spacing_us: number;
        readonly log_close: ZScore;
        readonly log_volume: ZScore;
      }
    >
  >;
  /** Fitted on the training windows of all tickers together: momentum, volatility, range. */
  readonly global: {
    readonly fit_windows: number;
    readonly momentum: ZScore;
    readonly volatility: ZScore;
    readonly range: ZScore;
  };
}

export interface FitScalerInput {
  readonly data: MarketData;
  readonly shape: SampleShape;
  readonly cost: number;
  readonly gapFactor: number;
  readonly inconsistentBars: 'repair' | 'drop';
  readonly cuts: SplitCuts;
  readonly gapBars: number;
  /** Per ticker of `data`; tickers with an empty `fit` range must be left out of `active`. */
  readonly splits: readonly TickerSplit[];
  readonly active: readonly number[];
  /** Per ticker of `data`: the median spacing of its training bars. */
  readonly spacingUs: readonly number[];
}

/**
 * Fits the z-scores of the meta features on training windows only (every window whose bars all lie
 * before the train cut), per ticker for the price and volume levels and globally for the rest.
 */
export function fitScaler(input: FitScalerInput): Scaler {
  const { data, shape } = input;
  const values: Float64Array[] = Array.from({ length: META_COUNT }, () => new Float64Array(0));
  const scratch = new Float64Array(META_COUNT + 1);
  const perTicker: Record<string, Scaler['per_ticker'][string]> = {};
  let globalCount = 0;
  for (const k of input.active) globalCount += count(input.splits[k]!.fit);
  for (let m = 2; m < META_COUNT; m++) values[m] = new Float64Array(globalCount);
  let g = 0;
  for (const k of input.active) {
    const [lo, hi] = input.splits[k]!.fit;
    const n = count([lo, hi]);
    const logClose = new Float64Array(n);
    const logVolume = new Float64Array(n);
    for (let e = lo; e <= hi; e++) {
      rawMeta(data, shape, e, scratch);
      logClose[e - lo] = scratch[0]!;
      logVolume[e - lo] = scratch[1]!;
      for (let m = 2; m < META_COUNT; m++) values[m]![g] = scratch[m]!;
      g++;
    }
    perTicker[data.tickers[k]!] = {
      fit_windows: n,
      bar_spacing_us: input.spacingUs[k]!,
      log_close: zScore(logClose),
      log_volume: zScore(logVolume),
    };
  }
  return {
    format: SCALER_FORMAT,
    version: 1,
    window: shape.window,
    features: [...shape.features],
    horizons: [...shape.horizons],
    cost: input.cost,
    gap_factor: input.gapFactor,
    inconsistent_bars: input.inconsistentBars,
    split: {
      train_end: new Date(input.cuts.trainEndUs / 1000).toISOString(),
      valid_end: new Date(input.cuts.validEndUs / 1000).toISOString(),
      gap_bars: input.gapBars,
    },
    meta_features: [...META_FEATURES],
    per_ticker: perTicker,
    global: {
      fit_windows: globalCount,
      momentum: zScore(values[2]!),
      volatility: zScore(values[3]!),
      range: zScore(values[4]!),
    },
  };
}

/** The scaler's numbers in the layout the sample kernel reads, for `tickers` in this order. */
export function scalerParams(scaler: Scaler, tickers: readonly string[]): ScalerParams {
  const perTicker = new Float64Array(4 * tickers.length).fill(Number.NaN);
  tickers.forEach((t, k) => {
    const s = scaler.per_ticker[t];
    if (s === undefined) return;
    perTicker.set([s.log_close.mean, s.log_close.std, s.log_volume.mean, s.log_volume.std], 4 * k);
  });
  const g = scaler.global;
  return {
    perTicker,
    global: Float64Array.from([
      g.momentum.mean,
      g.momentum.std,
      g.volatility.mean,
      g.volatility.std,
      g.range.mean,
      g.range.std,
    ]),
  };
}

/** The sample geometry a scaler was fitted for. */
export function scalerShape(scaler: Scaler): SampleShape {
  return sampleShape(scaler);
}

/** Serialises a scaler (stable key order, so the same fit gives the same bytes). */
export function scalerToJson(scaler: Scaler): string {
  return `${JSON.stringify(scaler, null, 2)}\n`;
}

export async function writeScaler(path: string, scaler: Scaler): Promise<void> {
  const file = await openAtomicFile(path);
  try {
    await file.write(Buffer.from(scalerToJson(scaler)));
    await file.commit();
  } catch (error) {
    await file.abort();
    throw error;
  }
}

/** Reads `meta_scaler.json`; a file of another format or version is an error naming it. */
export async function readScaler(path: string): Promise<Scaler> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new MarketSamplesInputError(`${path}: cannot read the scaler: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const s = value as Partial<Scaler> | null;
  if (s?.format !== SCALER_FORMAT || s.version !== 1)
    throw new MarketSamplesInputError(
      `${path}: not a market-samples scaler (format ${SCALER_FORMAT}, version 1)`,
    );
  return s as Scaler;
}

function count(range: readonly [number, number]): number {
  return Math.max(0, range[1] - range[0] + 1);
}

/** Population mean and standard deviation (two passes); a zero or undefined spread becomes 1. */
function zScore(values: Float64Array): ZScore {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = values.length === 0 ? 0 : sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) * (v - mean);
  const std = values.length === 0 ? 0 : Math.sqrt(squares / values.length);
  return { mean, std: std > 0 && Number.isFinite(std) ? std : 1 };
}
