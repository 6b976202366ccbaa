import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { throwIfAborted } from '@prepkit/bench-harness/errors';
import { openDuckDB } from '@prepkit/db-cursors';
import { barCount } from './bars.js';
import { cleanBars } from './cleaning.js';
import type { CleanedBars, CleaningReport } from './cleaning.js';
import { MarketSamplesInputError } from './errors.js';
import { tickerList } from './option-specs.js';
import { rawFileName } from './options.js';
import type { ResolvedBuildSamplesOptions } from './options.js';
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
  /** Every ticker read, in order, skipped ones included. */
  readonly tickers: readonly TickerLoad[];
}

export type LoadMarketOptions = Pick<
  ResolvedBuildSamplesOptions,
  | 'dataDir'
  | 'rawFilename'
  | 'tickers'
  | 'window'
  | 'horizons'
  | 'gapFactor'
  | 'inconsistentBars'
  | 'threads'
  | 'signal'
>;

/**
 * Reads and cleans each ticker's raw file (`tickers`, or when null every raw file in `dataDir`). A
 * ticker with fewer clean bars than window + max horizon is skipped with its reason (an all-NaN file
 * has none); no usable ticker at all is an error, and so is a named ticker without a raw file.
 */
export async function loadMarket(c: LoadMarketOptions): Promise<LoadedMarket> {
  const tickers = c.tickers ?? (await rawTickers(c));
  const { loads, kept } = await cleanTickers(c, tickers);
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

/**
 * Reads and cleans the raw files of `tickers` (a named ticker without one is an error); those with fewer
 * clean bars than window + max horizon are only reported (`skipped`).
 */
export async function cleanTickers(
  c: LoadMarketOptions,
  tickers: readonly string[],
): Promise<{ loads: TickerLoad[]; kept: { ticker: string; cleaned: CleanedBars }[] }> {
  const loads: TickerLoad[] = [];
  const kept: { ticker: string; cleaned: CleanedBars }[] = [];
  const needed = c.window + c.horizons[c.horizons.length - 1]!;
  await checkRawFiles(c, tickers);
  await using db = await openDuckDB({ threads: Math.min(c.threads, 4) });
  for (const ticker of tickers) {
    throwIfAborted(c.signal, 'market-samples build');
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
  return { loads, kept };
}

/**
 * The tickers of the raw files present in `dataDir` (`raw_AAPL.parquet` → `AAPL`), sorted by file name.
 * None is an error saying how to make some.
 */
export async function rawTickers(c: Pick<LoadMarketOptions, 'dataDir' | 'rawFilename'>): Promise<string[]> {
  const { dir, files } = await rawFilesIn(c);
  if (files.length === 0)
    throw new MarketSamplesInputError(
      `${dir}: no raw files (${basename(c.rawFilename)}); write some with generate-raw or import-csv, or set --data-dir (config key data_dir)`,
    );
  return tickerList(
    files.map((f) => f.ticker),
    `${dir}: raw file names`,
  );
}

async function checkRawFiles(c: LoadMarketOptions, tickers: readonly string[]): Promise<void> {
  const missing = tickers.filter((t) => !existsSync(resolve(c.dataDir, rawFileName(c, t))));
  if (missing.length === 0) return;
  const { dir, files } = await rawFilesIn(c);
  const present = files.length === 0 ? 'none' : files.map((f) => f.name).join(', ');
  throw new MarketSamplesInputError(
    `${dir}: no raw file ${missing.map((t) => rawFileName(c, t)).join(', ')}; present: ${present}. ` +
      'Name the tickers to use with --tickers (config key tickers), or leave it unset to use every raw file present',
  );
}

/** The raw files in the directory of `dataDir/rawFilename`, sorted by name, with the ticker each names. */
async function rawFilesIn(
  c: Pick<LoadMarketOptions, 'dataDir' | 'rawFilename'>,
): Promise<{ dir: string; files: { name: string; ticker: string }[] }> {
  const pattern = resolve(c.dataDir, c.rawFilename);
  const dir = dirname(pattern);
  const [prefix, suffix] = basename(pattern).split('{ticker}');
  if (suffix === undefined)
    throw new MarketSamplesInputError(
      `raw_filename ${c.rawFilename}: {ticker} must be in the file name, not the directory, to find raw files; name them with --tickers`,
    );
  const names = await readdir(dir).catch(() => [] as string[]);
  const files = names
    .filter((n) => n.startsWith(prefix!) && n.endsWith(suffix) && n.length > prefix!.length + suffix.length)
    .sort()
    .map((name) => ({ name, ticker: name.slice(prefix!.length, name.length - suffix.length) }));
  return { dir, files };
}
