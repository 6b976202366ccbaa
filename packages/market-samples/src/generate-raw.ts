import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Prng } from '@prepkit/bench-harness';
import { throwIfAborted } from '@prepkit/bench-harness/errors';
import { prepareOutputDirectory, removeStaleTemporaries } from '@prepkit/record-io';
import type { Bars } from './bars.js';
import { allocateBars } from './bars.js';
import { MarketSamplesConfigError, MarketSamplesInputError } from './errors.js';
import { integerAtLeast, nonEmptyString, tickerList, withPlaceholder } from './option-specs.js';
import { DEFAULT_BUILD_SAMPLES_OPTIONS, rawFileName } from './options.js';
import { writeRawBars } from './raw-bars.js';

export interface GenerateRawOptions {
  /** Default: AAA, BBB, CCC, DDD. */
  tickers?: readonly string[];
  /** Bars per ticker. */
  bars: number;
  /** Default: 0. */
  seed?: number;
  /** Directory of the raw files. Default: the build's, `data`. */
  dataDir?: string;
  /** File name pattern with {ticker}. Default: the build's, `raw_{ticker}.parquet`. */
  rawFilename?: string;
  /** Minutes per bar. Default: 5 (78 bars per 09:30–16:00 session). */
  barMinutes?: number;
  /**
   * Share of rows made dirty the way real files are: duplicated timestamps, high below the close,
   * missing prices, rows out of order. Default: 0 (clean).
   */
  dirty?: number;
  /** Replace existing raw files. Default: false (an existing file is an error). */
  overwrite?: boolean;
  /** Aborting it stops before the next file; the file being written is removed. */
  signal?: AbortSignal;
}

export const DEFAULT_GENERATE_RAW_OPTIONS = Object.freeze({
  tickers: Object.freeze(['AAA', 'BBB', 'CCC', 'DDD']),
  seed: 0,
  dataDir: DEFAULT_BUILD_SAMPLES_OPTIONS.dataDir,
  rawFilename: DEFAULT_BUILD_SAMPLES_OPTIONS.rawFilename,
  barMinutes: 5,
  dirty: 0,
  overwrite: false,
} satisfies Required<Omit<GenerateRawOptions, 'bars' | 'signal'>>);

/** Fills in the defaults and checks every option once, naming a bad one (`options.bars: …`). */
export function resolveGenerateRawOptions(
  options: GenerateRawOptions,
): Readonly<Required<Omit<GenerateRawOptions, 'signal'>> & { signal: AbortSignal | undefined }> {
  const o = {
    ...DEFAULT_GENERATE_RAW_OPTIONS,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  } as Required<GenerateRawOptions>;
  if (!(o.dirty >= 0 && o.dirty < 0.5))
    throw new MarketSamplesConfigError('options.dirty', `must be in [0, 0.5) (got ${o.dirty})`);
  if (typeof o.overwrite !== 'boolean')
    throw new MarketSamplesConfigError('options.overwrite', 'must be true or false');
  return Object.freeze({
    ...o,
    tickers: tickerList(o.tickers, 'options.tickers'),
    bars: integerAtLeast(o.bars, 'options.bars', 1),
    seed: integerAtLeast(o.seed, 'options.seed', 0),
    dataDir: nonEmptyString(o.dataDir, 'options.dataDir'),
    rawFilename: withPlaceholder(
      nonEmptyString(o.rawFilename, 'options.rawFilename'),
      '{ticker}',
      'options.rawFilename',
    ),
    barMinutes: integerAtLeast(o.barMinutes, 'options.barMinutes', 1),
    signal: options.signal,
  });
}

export interface GenerateRawResult {
  readonly files: readonly string[];
  readonly bars: number;
}

const SESSION_MINUTES = 390;
const MINUTE_US = 60_000_000;
const DAY_US = 86_400_000_000;

/**
 * Writes synthetic intraday bars per ticker: GARCH(1,1) returns (volatility clustering) with fat
 * tails, overnight gaps in price, weekends and a few halts missing, and volume with a U-shaped
 * intraday profile that rises with volatility. Deterministic for a seed. A failed or interrupted run
 * removes the files it wrote.
 */
export async function generateRaw(options: GenerateRawOptions): Promise<GenerateRawResult> {
  const o = resolveGenerateRawOptions(options);
  const dir = resolve(o.dataDir);
  const files = o.tickers.map((ticker) => resolve(dir, rawFileName(o, ticker)));
  if (!o.overwrite) {
    for (const file of files) {
      if (existsSync(file))
        throw new MarketSamplesInputError(`${file} exists; pass --overwrite to replace it`);
    }
  }
  // A read-only location is named as such; what killed runs left here goes before new files take space.
  await prepareOutputDirectory(dir);
  await removeStaleTemporaries(dir);
  const written: string[] = [];
  try {
    for (const [i, file] of files.entries()) {
      const bars = syntheticBars(o.bars, new Prng(`${o.seed}:${i + 1}`), o.barMinutes, o.dirty);
      throwIfAborted(o.signal, 'market-samples generate-raw');
      await writeRawBars(file, bars, o.signal);
      written.push(file);
    }
  } catch (error) {
    // One run's files are one output: a failed or interrupted run leaves none of them.
    await Promise.all(written.map((file) => rm(file, { force: true })));
    throw error;
  }
  return { files, bars: o.bars * o.tickers.length };
}

const SHOCK_SD = Math.sqrt(0.95 + 0.05 * 2.5 * 2.5);

/** One ticker's synthetic bars (see generateRaw). */
export function syntheticBars(n: number, rng: Prng, barMinutes: number, dirty = 0): Bars {
  const b = allocateBars(n);
  const perSession = Math.floor(SESSION_MINUTES / barMinutes);
  // GARCH(1,1) on per-bar returns; long-run per-bar volatility around 0.1–0.3%.
  const longVar = (0.001 + 0.002 * rng.next()) ** 2;
  const alpha = 0.06;
  const beta = 0.92;
  const omega = longVar * (1 - alpha - beta);
  let variance = longVar;
  let lastReturn = 0;
  let price = 20 + 180 * rng.next();
  const baseVolume = 1e4 * (1 + 20 * rng.next());
  let day = Math.floor(rng.next() * 365) + 10957; // days since epoch, from 2000
  while (isWeekend(day)) day++;
  let slot = 0;
  for (let i = 0; i < n; i++) {
    if (slot === perSession || i === 0) {
      if (i > 0) {
        slot = 0;
        day++;
        // Weekends and (rarely) holidays are missing.
        while (isWeekend(day) || rng.next() < 0.01) day++;
      }
      // Overnight gap in price.
      price *= Math.exp(Math.sqrt(variance) * 3 * rng.normal());
    } else if (rng.next() < 0.002) {
      slot++; // a halted bar is missing
      if (slot === perSession) {
        i--;
        continue;
      }
    }
    variance = omega + alpha * lastReturn * lastReturn + beta * variance;
    const sd = Math.sqrt(variance);
    // Student-t-like tails: a normal scaled by a random factor, normalised to unit variance
    // (E[z^2] = 0.95 + 0.05 * 2.5^2 = 1.2625). Unnormalised, the GARCH had no finite fourth moment
    // and a ticker could lose 90% in a few days of exploding volatility.
    const shock = (rng.normal() * (rng.next() < 0.05 ? 2.5 : 1)) / SHOCK_SD;
    const r = sd * shock;
    lastReturn = r;
    const open = price;
    const close = open * Math.exp(r);
    const high = Math.max(open, close) * Math.exp(Math.abs(rng.normal()) * sd * 0.5);
    const low = Math.min(open, close) * Math.exp(-Math.abs(rng.normal()) * sd * 0.5);
    const x = (slot + 0.5) / perSession;
    const seasonal = 0.6 + 2.2 * (x - 0.5) * (x - 0.5) * 4;
    const volume = Math.round(
      baseVolume * seasonal * (sd / Math.sqrt(longVar)) * Math.exp(0.4 * rng.normal()),
    );
    b.time[i] = day * DAY_US + (570 + slot * barMinutes) * MINUTE_US;
    b.open[i] = round4(open);
    b.high[i] = round4(high);
    b.low[i] = round4(low);
    b.close[i] = round4(close);
    b.volume[i] = volume;
    price = close;
    slot++;
  }
  if (dirty > 0) makeDirty(b, rng, dirty);
  return b;
}

function makeDirty(b: Bars, rng: Prng, share: number): void {
  const n = b.time.length;
  for (let i = 1; i < n - 1; i++) {
    if (rng.next() >= share) continue;
    const kind = rng.int(4);
    if (kind === 0)
      b.time[i] = b.time[i - 1]!; // duplicated timestamp
    else if (kind === 1)
      b.high[i] = Math.min(b.open[i]!, b.close[i]!) * 0.999; // high below the body
    else if (kind === 2)
      b.close[i] = Number.NaN; // missing price
    else {
      const t = b.time[i]!; // two rows swapped
      b.time[i] = b.time[i + 1]!;
      b.time[i + 1] = t;
    }
  }
}

/** Day 0 (1970-01-01) was a Thursday. */
function isWeekend(day: number): boolean {
  const weekday = (day + 4) % 7; // 0 = Sunday
  return weekday === 0 || weekday === 6;
}

function round4(x: number): number {
  return Math.round(x * 10000) / 10000;
}
