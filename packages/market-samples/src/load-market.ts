import { resolve } from 'node:path';
import { openDuckDB } from '@prepkit/db-cursors';
import { barCount } from './bars.js';
import { cleanBars } from './cleaning.js';
import type { CleanedBars, CleaningReport } from './cleaning.js';
import type { MarketConfig } from './config.js';
import { rawFileName } from './config.js';
import { MarketSamplesInputError } from './errors.js';
import type { MarketData } from './market-data.js';
import { marketDataFrom } from './market-data.js';
import { readRawBars } from './raw-bars.js';

export interface TickerLoad {
  readonly ticker: string;
  readonly file: string;
  readonly cleaning: CleaningReport;
  /** Why the ticker gives no samples, or null. */
  readonly skipped: string | null;
}

export interface LoadedMarket {
  readonly data: MarketData;
  readonly cleaned: readonly CleanedBars[];
  /** Every configured ticker, in config order, skipped ones included. */
  readonly tickers: readonly TickerLoad[];
}

/**
 * Reads and cleans each ticker's raw file. A ticker with fewer clean bars than window + max
 * horizon is skipped with its reason (an all-NaN file has none); no usable ticker at all is an error.
 */
export async function loadMarket(c: MarketConfig, signal?: AbortSignal): Promise<LoadedMarket> {
  const loads: TickerLoad[] = [];
  const kept: { ticker: string; cleaned: CleanedBars }[] = [];
  const needed = c.window + c.horizons[c.horizons.length - 1]!;
  await using db = await openDuckDB({ threads: Math.min(c.nJobs, 4) });
  for (const ticker of c.tickers) {
    signal?.throwIfAborted();
    const file = resolve(c.dataDir, rawFileName(c, ticker));
    const raw = await readRawBars(file, db);
    const cleaned = cleanBars(raw, { gapFactor: c.gapFactor, inconsistentBars: c.inconsistentBars });
    const n = barCount(cleaned.bars);
    const skipped =
      n === 0
        ? `no valid bars (${barCount(raw)} rows, all dropped by cleaning)`
        : n < needed
          ? `${n} clean bars, fewer than window + max horizon = ${needed}`
          : null;
    loads.push({ ticker, file, cleaning: cleaned.report, skipped });
    if (skipped === null) kept.push({ ticker, cleaned });
  }
  if (kept.length === 0)
    throw new MarketSamplesInputError(
      `no ticker has enough clean bars: ${loads.map((l) => `${l.ticker}: ${l.skipped}`).join('; ')}`,
    );
  return {
    data: marketDataFrom(
      kept.map((k) => k.ticker),
      kept.map((k) => k.cleaned),
    ),
    cleaned: kept.map((k) => k.cleaned),
    tickers: loads,
  };
}
