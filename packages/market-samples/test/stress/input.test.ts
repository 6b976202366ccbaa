// Guards against bad input files ending in a stack trace (exit 1) or, worse, silently wrong samples: each case of
// this corpus of raw Parquet files and CSV files is pinned to its outcome through the CLI, either a correct
// build whose cleaning counts say what was dropped or repaired, or exit 2 with one line naming the file (and
// line) and what is wrong with it.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prng } from '@prepkit/bench-harness';
import { openParquetWriter, verify } from '@prepkit/record-io';
import { headBars, syntheticBars } from '../../src/index.js';
import type { Bars } from '../../src/index.js';
import { readRawBars, writeRawBars } from '../../src/raw-bars.js';
import { cleanUp, copyFiles, freshDir, runCli } from './helpers.js';

const BUILD = ['build', '--n-samples', '300', '--window', '16', '--horizons', '1,5', '--threads', '1'];
const BARS = 600;

let clean: string;

beforeAll(async () => {
  clean = await freshDir();
  const made = await runCli([
    'generate-raw',
    '--tickers',
    'AAA,BBB',
    '--bars',
    '2000',
    '--data-dir',
    clean,
    '-q',
  ]);
  expect(made.code, made.stderr).toBe(0);
});

afterAll(cleanUp);

/** 600 clean synthetic bars of ticker XXX, changed by `spoil`. */
function bars(spoil: (b: Bars) => void = () => {}): Bars {
  const b = syntheticBars(BARS, new Prng('market-samples input corpus'), 5);
  spoil(b);
  return b;
}

/** A data directory with the clean AAA and BBB and `raw_XXX.parquet` made by `write`. */
async function withXxx(write: (path: string) => Promise<void>): Promise<string> {
  const dir = await freshDir();
  await copyFiles(clean, dir);
  await write(join(dir, 'raw_XXX.parquet'));
  return dir;
}

interface TickerReport {
  ticker: string;
  skipped: string | null;
  cleaning: Record<string, number>;
}

/** Builds with --json, expecting success; returns XXX's part of the report. */
async function buildsWith(dir: string, extra: readonly string[] = []): Promise<TickerReport> {
  const exit = await runCli([...BUILD, ...extra, '--data-dir', dir, '--json', '-q']);
  expect(exit.code, exit.stderr).toBe(0);
  const report = JSON.parse(exit.stdout) as { facts: { result: { tickers: TickerReport[] } } };
  expect(await verify(dir)).toMatchObject({ ok: true, checked: 2 });
  return report.facts.result.tickers.find((t) => t.ticker === 'XXX')!;
}

/** Runs the CLI expecting exit 2 with one line on stderr; returns the line. */
async function failsWithOneLine(args: readonly string[]): Promise<string> {
  const exit = await runCli([...args, '-q']);
  expect(exit.code, exit.stderr).toBe(2);
  const lines = exit.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^market-samples: /);
  return lines[0]!;
}

const NO_CHANGE = {
  inputRows: BARS,
  droppedBadTime: 0,
  droppedBadPrice: 0,
  droppedBadVolume: 0,
  droppedInconsistent: 0,
  droppedDuplicates: 0,
  repairedHighLow: 0,
  outOfOrder: 0,
};

describe('market-samples build', () => {
  it.each([
    [
      'NaN open and close',
      (b: Bars): void => {
        b.close[10] = Number.NaN;
        b.open[11] = Number.NaN;
      },
      { droppedBadPrice: 2 },
    ],
    [
      '+Inf high and -Inf low',
      (b: Bars): void => {
        b.high[20] = Number.POSITIVE_INFINITY;
        b.low[21] = Number.NEGATIVE_INFINITY;
      },
      { droppedBadPrice: 2 },
    ],
    [
      'a negative close, a zero open and a negative volume',
      (b: Bars): void => {
        b.close[30] = -1;
        b.open[31] = 0;
        b.volume[32] = -5;
      },
      { droppedBadPrice: 2, droppedBadVolume: 1 },
    ],
    [
      'high below low (repaired)',
      (b: Bars): void => {
        [b.high[40], b.low[40]] = [b.low[40]!, b.high[40]!];
      },
      { repairedHighLow: 1 },
    ],
    [
      'a duplicated timestamp (the first row kept)',
      (b: Bars): void => {
        b.time[51] = b.time[50]!;
      },
      { droppedDuplicates: 1 },
    ],
    [
      'two rows out of order (sorted)',
      (b: Bars): void => {
        [b.time[60], b.time[61]] = [b.time[61]!, b.time[60]!];
      },
      { outOfOrder: 1 },
    ],
  ] as const)('[input] raw Parquet with %s: built, the cleaning counts say so', async (_, spoil, counts) => {
    const dir = await withXxx((path) => writeRawBars(path, bars(spoil)));
    const xxx = await buildsWith(dir);
    expect(xxx.skipped).toBeNull();
    const dropped = Object.entries(counts)
      .filter(([k]) => k.startsWith('dropped'))
      .reduce((sum, [, n]) => sum + n, 0);
    expect(xxx.cleaning).toMatchObject({ ...NO_CHANGE, ...counts, keptRows: BARS - dropped });
  });

  it('[input] raw Parquet with high below low and inconsistent_bars drop: the row is dropped', async () => {
    const dir = await withXxx((path) =>
      writeRawBars(
        path,
        bars((b) => ([b.high[40], b.low[40]] = [b.low[40]!, b.high[40]!])),
      ),
    );
    const xxx = await buildsWith(dir, ['--inconsistent-bars', 'drop']);
    expect(xxx.cleaning).toMatchObject({ ...NO_CHANGE, droppedInconsistent: 1, keptRows: BARS - 1 });
  });

  it('[input] a ticker with fewer bars than window + max horizon: skipped with the reason, the others built', async () => {
    const dir = await withXxx((path) => writeRawBars(path, bars()).then(() => truncateBars(path, 15)));
    const xxx = await buildsWith(dir);
    expect(xxx.skipped).toBe('15 clean bars, fewer than window + max horizon = 21');
  });

  it('[input] an all-NaN ticker: skipped as having no valid bars', async () => {
    const dir = await withXxx((path) =>
      writeRawBars(
        path,
        bars((b) => b.close.fill(Number.NaN)),
      ),
    );
    const xxx = await buildsWith(dir);
    expect(xxx.skipped).toBe(`no valid bars (${BARS} rows, all dropped by cleaning)`);
  });

  it('[input] only tickers too short: exit 2 listing each with its reason', async () => {
    const dir = await withXxx((path) => writeRawBars(path, bars()).then(() => truncateBars(path, 15)));
    const line = await failsWithOneLine([...BUILD, '--tickers', 'XXX', '--data-dir', dir]);
    expect(line).toBe(
      'market-samples: no ticker has enough clean bars: XXX: 15 clean bars, fewer than window + max horizon = 21',
    );
  });

  it.each([
    [
      'truncated to half its bytes',
      async (path: string) => {
        await writeRawBars(path, bars());
        const bytes = await readFile(path);
        await writeFile(path, bytes.subarray(0, bytes.length >> 1));
      },
      'not a readable Parquet file: No magic bytes found at end of file',
    ],
    [
      'with 2000 bytes flipped inside its data pages',
      async (path: string) => {
        await writeRawBars(path, bars());
        const bytes = await readFile(path);
        for (let i = bytes.length >> 2; i < (bytes.length >> 2) + 2000; i++) bytes[i]! ^= 0x5a;
        await writeFile(path, bytes);
      },
      'not a readable Parquet file: ',
    ],
    [
      'of 0 bytes',
      (path: string) => writeFile(path, ''),
      'not a readable Parquet file: File too small to be a Parquet file',
    ],
    [
      'holding CSV text',
      (path: string) => writeFile(path, 'time,open,high,low,close,volume\n2024-01-02,1,2,0.5,1.5,10\n'),
      'not a readable Parquet file: No magic bytes found at end of file',
    ],
    [
      'without a volume column',
      async (path: string) => {
        const b = bars();
        const writer = await openParquetWriter(path, [
          { name: 'time', type: 'timestamp', unit: 'us' },
          ...(['open', 'high', 'low', 'close'] as const).map((name) => ({ name, type: 'float64' as const })),
        ]);
        await writer.write({
          time: BigInt64Array.from(b.time, (t) => BigInt(t)),
          open: b.open,
          high: b.high,
          low: b.low,
          close: b.close,
        });
        await writer.close();
      },
      'missing column "volume"; it has time, open, high, low, close',
    ],
  ] as const)('[input] a raw Parquet file %s: exit 2 naming the file', async (_, write, message) => {
    const dir = await withXxx(write);
    const line = await failsWithOneLine([...BUILD, '--data-dir', dir]);
    expect(line.startsWith(`market-samples: ${join(dir, 'raw_XXX.parquet')}: ${message}`)).toBe(true);
  });

  it('[input] a named ticker without a raw file: exit 2 listing the raw files present', async () => {
    const dir = await freshDir();
    await copyFiles(clean, dir);
    const line = await failsWithOneLine([...BUILD, '--tickers', 'AAA,ZZZ', '--data-dir', dir]);
    expect(line).toMatch(/no raw file raw_ZZZ\.parquet; present: raw_AAA\.parquet, raw_BBB\.parquet\./);
  });
});

describe('market-samples import-csv', () => {
  const HEADER = 'Date,Open,High,Low,Close,Adj Close,Volume\n';
  const ROW = '2024-01-02 09:30:00,10,11,9,10.5,10.5,1000\n';

  it.each([
    [
      'a short row',
      `${HEADER}${ROW}2024-01-02 09:35:00,10,11,9,10.5,10.5\n${ROW}`,
      'line 3 has 6 fields, the header has 7 (Date, Open, High, Low, Close, Adj Close, Volume)',
    ],
    [
      'its last line cut short (a truncated download)',
      `${HEADER}${ROW}${ROW}2024-01-02 09:4`,
      'line 4 has 1 field, the header has 7',
    ],
    ['0 bytes', '', 'the file is empty (0 bytes)'],
    [
      'a header and no rows',
      HEADER,
      'the file is empty: a header (Date, Open, High, Low, Close, Adj Close, Volume) and no rows',
    ],
    [
      'an unparseable date',
      `${HEADER}${ROW}2024-13-45,10,11,9,10.5,10.5,1000\n`,
      'line 3: cannot parse the time "2024-13-45"',
    ],
    [
      'no Volume column',
      'Date,Open,High,Low,Close\n2024-01-02,10,11,9,10.5\n',
      'missing column "Volume"; the header has Date, Open, High, Low, Close',
    ],
  ] as const)('[input] a CSV with %s: exit 2 naming the file and line', async (_, text, message) => {
    const dir = await freshDir();
    const csv = join(dir, 'X.csv');
    await writeFile(csv, text);
    const line = await failsWithOneLine(['import-csv', csv, '--ticker', 'X', '--data-dir', dir]);
    expect(line).toMatch(new RegExp(`^market-samples: ${escape(csv)}:? ${escape(message)}`));
  });

  it('[input] a CSV with "null", "abc" and "inf" cells: imported, the unparseable ones counted as missing', async () => {
    const dir = await freshDir();
    const csv = join(dir, 'X.csv');
    await writeFile(csv, `${HEADER}${ROW}2024-01-02 09:35:00,null,abc,9,inf,10.5,1000\n`);
    const exit = await runCli(['import-csv', csv, '--ticker', 'X', '--data-dir', dir, '--json']);
    expect(exit.code, exit.stderr).toBe(0);
    expect(JSON.parse(exit.stdout)).toMatchObject({ rows: 2, missingValues: 2 });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Rewrites a raw file with only its first `n` bars. */
async function truncateBars(path: string, n: number): Promise<void> {
  await writeRawBars(path, headBars(await readRawBars(path), n));
}
