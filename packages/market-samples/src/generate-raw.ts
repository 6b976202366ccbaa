import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Bars } from './bars.js';
import { allocateBars } from './bars.js';
import { MarketSamplesInputError } from './errors.js';
import { Prng } from '@prepkit/bench-harness';
import { writeRawBars } from './raw-bars.js';

export interface GenerateRawOptions {
  tickers: readonly string[];
  /** Bars per ticker. */
  bars: number;
  /** Default: 0. */
  seed?: number;
  /** Directory of the raw files. */
  dataDir: string;
  /** File name pattern with {ticker}. Default: `raw_{ticker}.parquet`. */
  rawFilename?: string;
  /** Minutes per bar. Default: 5 (78 bars per 09:30–16:00 session). */
  barMinutes?: number;
  /**
   * Share of rows made dirty the way real files are: duplicated timestamps, high below the close,
   * missing prices, rows out of order. Default: 0 (clean).
   */
  dirty?: number;
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
 * intraday profile that rises with volatility. Deterministic for a seed.
 */
export async function generateRaw(options: GenerateRawOptions): Promise<GenerateRawResult> {
  const n = options.bars;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new MarketSamplesInputError('--bars must be a positive integer');
  if (options.tickers.length === 0) throw new MarketSamplesInputError('--tickers needs at least one ticker');
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new MarketSamplesInputError('--seed must be a non-negative integer');
  const dirty = options.dirty ?? 0;
  if (!(dirty >= 0 && dirty < 0.5)) throw new MarketSamplesInputError('--dirty must be in [0, 0.5)');
  const pattern = options.rawFilename ?? 'raw_{ticker}.parquet';
  const dir = resolve(options.dataDir);
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const [i, ticker] of options.tickers.entries()) {
    const bars = syntheticBars(n, new Prng(`${seed}:${i + 1}`), options.barMinutes ?? 5, dirty);
    const file = resolve(dir, pattern.replaceAll('{ticker}', ticker));
    await writeRawBars(file, bars);
    files.push(file);
  }
  return { files, bars: n * options.tickers.length };
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
