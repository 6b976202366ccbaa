import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MarketSamplesInputError,
  buildSamples,
  generateRaw,
  importCsv,
  syntheticBars,
} from '../src/index.js';
import type { Bars } from '../src/index.js';
import { Prng } from '@prepkit/bench-harness';
import { readSamples, withTempDir } from './helpers.js';

function isoTime(us: number): string {
  return new Date(us / 1000).toISOString().replace('T', ' ').replace('.000Z', '');
}

/** Yahoo's column order, or a vendor's (Date,Open,Close,High,Low,Volume), with intraday times. */
function csvOf(bars: Bars, order: 'yahoo' | 'vendor'): string {
  const lines = [
    order === 'yahoo' ? 'Date,Open,High,Low,Close,Adj Close,Volume' : 'Date,Open,Close,High,Low,Volume',
  ];
  for (let i = 0; i < bars.time.length; i++) {
    const [t, o, h, l, c, v] = [
      isoTime(bars.time[i]!),
      bars.open[i],
      bars.high[i],
      bars.low[i],
      bars.close[i],
      bars.volume[i],
    ];
    lines.push(order === 'yahoo' ? `${t},${o},${h},${l},${c},${c},${v}` : `${t},${o},${c},${h},${l},${v}`);
  }
  return `${lines.join('\n')}\n`;
}

/** An independent parse of the CSV: the header names the columns. */
function parseCsv(text: string): Record<string, number>[] {
  const [header, ...lines] = text.trim().split('\n');
  const names = header!.split(',').map((n) => n.toLowerCase());
  return lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(
      names.map((n, i) => [n, n === 'date' ? Date.parse(`${cells[i]}Z`) : Number(cells[i])]),
    );
  });
}

describe('import-csv', () => {
  it('windows and rewards recomputed from the CSV match the samples', async () => {
    await withTempDir(async (dir) => {
      const csv: Record<string, string> = {};
      for (const [k, ticker] of ['YAH', 'VEN'].entries()) {
        csv[ticker] = csvOf(syntheticBars(2500, new Prng(`3:${k}`), 5), k === 0 ? 'yahoo' : 'vendor');
        const file = join(dir, `${ticker}.csv`);
        await writeFile(file, csv[ticker]);
        const imported = await importCsv({ files: [file], output: join(dir, `raw_${ticker}.parquet`) });
        expect(imported.rows).toBe(2500);
      }
      const cost = 0.001;
      // No tickers named: the build reads the raw files import-csv wrote.
      const result = await buildSamples({
        dataDir: dir,
        window: 12,
        horizons: [2, 7],
        cost,
        threads: 2,
        chunkRows: 500,
        nSamples: 1500,
        seed: 4,
      });
      expect(result.tickers.map((t) => t.ticker)).toEqual(['VEN', 'YAH']);
      const samples = await readSamples(result.samplesPath);
      const rng = new Prng('8:0');
      for (let probe = 0; probe < 60; probe++) {
        const i = rng.int(samples.ticker.length);
        const rows = parseCsv(csv[samples.ticker[i]!]!);
        const e = samples.barIndex[i]!;
        const window = rows.slice(e - 11, e + 1);
        const last = window[11]!;
        const meanVolume = window.reduce((s, r) => s + r.volume!, 0) / 12;
        const expected = window.flatMap((r) => [
          Math.log(r.open! / last.close!),
          Math.log(r.high! / last.close!),
          Math.log(r.low! / last.close!),
          Math.log(r.close! / last.close!),
          r.volume! / meanVolume,
        ]);
        const actual = samples.features[i]!;
        expect(actual.length).toBe(60);
        expected.forEach((x, j) => expect(actual[j]).toBeCloseTo(x, 6));
        for (const h of [2, 7]) {
          const reward = Math.log((rows[e + h]!.close! * (1 - cost)) / (rows[e + 1]!.open! * (1 + cost)));
          expect(samples.rewards[`reward_${h}`]![i]).toBeCloseTo(reward, 6);
        }
      }
    });
  });

  it('names the file and line of an unparseable date, and a missing column', async () => {
    await withTempDir(async (dir) => {
      const bad = join(dir, 'bad.csv');
      await writeFile(
        bad,
        'Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,0.5,1.5,100\n2024-13-45,1,2,0.5,1.5,100\n',
      );
      await expect(importCsv({ files: [bad], output: join(dir, 'raw_X.parquet') })).rejects.toThrow(
        /bad\.csv line 3: cannot parse the time "2024-13-45"/,
      );
      const noHigh = join(dir, 'nohigh.csv');
      await writeFile(noHigh, 'Date,Open,Low,Close,Volume\n2024-01-02,1,0.5,1.5,100\n');
      await expect(importCsv({ files: [noHigh], output: join(dir, 'raw_X.parquet') })).rejects.toThrow(
        /nohigh\.csv: missing column "High"; the header has Date, Open, Low, Close, Volume/,
      );
      await expect(
        importCsv({ files: [join(dir, 'none.csv')], output: join(dir, 'raw_X.parquet') }),
      ).rejects.toThrow(/none\.csv: no such file/);
      const good = join(dir, 'good.csv');
      await writeFile(good, 'Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,0.5,1.5,100\n');
      const output = join(dir, 'raw_G.parquet');
      await importCsv({ files: [good], output });
      await expect(importCsv({ files: [good], output })).rejects.toThrow(
        /raw_G\.parquet exists; pass --overwrite/,
      );
      expect((await importCsv({ files: [good], output, overwrite: true })).rows).toBe(1);
    });
  });

  it('names a short row by line and field counts, and says an empty file (0 bytes or a header only) is empty', async () => {
    await withTempDir(async (dir) => {
      const header = 'Date,Open,High,Low,Close,Adj Close,Volume\n';
      const row = '2024-01-02,10,11,9,10.5,10.5,1000\n';
      const cases: [string, string, RegExp][] = [
        // One short row used to throw DuckDB's sniffer off: `missing column "Date"` with Date in the header.
        [
          'short.csv',
          `${header}${row}2024-01-03,10,11,9,10.5,10.5\n${row}`,
          /short\.csv line 3 has 6 fields, the header has 7 \(Date, Open, High, Low, Close, Adj Close, Volume\)$/,
        ],
        // Past DuckDB's sniffing sample: the read itself fails.
        [
          'late.csv',
          `${header}${row.repeat(25_000)}2024-01-03,10,11\n`,
          /late\.csv line 25002 has 3 fields, the header has 7/,
        ],
        [
          'long.csv',
          `${header}${row}2024-01-03,10,11,9,10.5,10.5,1000,7\n`,
          /long\.csv line 3 has 8 fields, the header has 7/,
        ],
        ['empty.csv', '', /empty\.csv: the file is empty \(0 bytes\)$/],
        [
          'header.csv',
          header,
          /header\.csv: the file is empty: a header \(Date, Open, High, Low, Close, Adj Close, Volume\) and no rows$/,
        ],
      ];
      for (const [name, text, message] of cases) {
        await writeFile(join(dir, name), text);
        const error = await importCsv({ files: [join(dir, name)], output: join(dir, 'raw_X.parquet') }).catch(
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(MarketSamplesInputError);
        expect((error as Error).message).toMatch(message);
      }
      expect(existsSync(join(dir, 'raw_X.parquet'))).toBe(false);
    });
  });

  it('generate-raw and import-csv remove the temporaries killed runs left in their output directory', async () => {
    await withTempDir(async (dir) => {
      const dead = spawnSync(process.execPath, ['-e', '']).pid;
      const stale = () => join(dir, `.raw_A.parquet.tmp-${dead}-0123456789ab`);
      await writeFile(stale(), 'half a raw file');
      await generateRaw({ tickers: ['G'], bars: 100, dataDir: dir });
      expect(existsSync(stale())).toBe(false);
      await writeFile(stale(), 'half a raw file');
      const csv = join(dir, 'a.csv');
      await writeFile(csv, 'Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,0.5,1.5,100\n');
      await importCsv({ files: [csv], output: join(dir, 'raw_A.parquet') });
      expect(existsSync(stale())).toBe(false);
    });
  });

  it('keeps Yahoo "null" cells as NaN for cleaning to drop and count', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'nulls.csv');
      await writeFile(
        file,
        'Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,1,2,0.5,1.5,1.5,100\n2024-01-03,null,null,null,null,null,null\n',
      );
      const result = await importCsv({ files: [file], output: join(dir, 'raw_N.parquet') });
      expect(result).toMatchObject({ rows: 2, missingValues: 5 });
    });
  });
});
