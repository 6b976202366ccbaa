import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildSamples,
  generateRaw,
  headBars,
  loadMarket,
  readScaler,
  resolveBuildSamplesOptions,
  transform,
} from '../src/index.js';
import type { MarketSamplesOptions } from '../src/index.js';
import { Prng, RunReporter } from '@prepkit/bench-harness';
import { readManifest, verify } from '@prepkit/record-io';
import { readSamples, withTempDir } from './helpers.js';

const TICKERS = ['AAA', 'BBB', 'CCC'];

function config(dataDir: string, extra: MarketSamplesOptions = {}): MarketSamplesOptions {
  return { dataDir, tickers: TICKERS, window: 16, horizons: [1, 4, 9], chunkRows: 700, threads: 1, ...extra };
}

/** The options as the build resolves them (gapBars filled in). */
function resolved(options: MarketSamplesOptions) {
  return resolveBuildSamplesOptions({ ...options, nSamples: 1 });
}

async function fixture(dir: string, dirty = 0.002): Promise<void> {
  await generateRaw({ tickers: TICKERS, bars: 3000, seed: 5, dataDir: dir, dirty });
}

describe('buildSamples', () => {
  it('writes byte-identical samples and scaler for any n_jobs, and the naive baseline writes the same bytes', async () => {
    await withTempDir(async (root) => {
      const digests: string[] = [];
      for (const [name, jobs, variant] of [
        ['one', 1, 'parallel'],
        ['two', 2, 'parallel'],
        ['three', 3, 'parallel'],
        ['naive', 1, 'naive'],
      ] as const) {
        const dir = join(root, name);
        await fixture(dir);
        const result = await buildSamples({
          ...config(dir, { threads: jobs }),
          nSamples: 2500,
          seed: 11,
          variant,
        });
        expect(result.samples).toBe(2500);
        const bytes = await readFile(result.samplesPath);
        const scaler = await readFile(result.scalerPath);
        digests.push(`${bytes.toString('base64')}|${scaler.toString('base64')}`);
      }
      expect(new Set(digests).size).toBe(1);
    });
  });

  it('changes with the seed', async () => {
    await withTempDir(async (dir) => {
      await fixture(dir);
      const a = await buildSamples({ ...config(dir), nSamples: 500, seed: 1 });
      const first = await readFile(a.samplesPath);
      const b = await buildSamples({ ...config(dir), nSamples: 500, seed: 2, overwrite: true });
      expect((await readFile(b.samplesPath)).equals(first)).toBe(false);
    });
  });

  it('refuses to replace outputs without overwrite', async () => {
    await withTempDir(async (dir) => {
      await fixture(dir);
      await buildSamples({ ...config(dir), nSamples: 100 });
      await expect(buildSamples({ ...config(dir), nSamples: 100 })).rejects.toThrow(
        /exists; pass --overwrite/,
      );
    });
  });

  it('replaces what an interrupted run left (files without a manifest) without overwrite, and its temporaries', async () => {
    await withTempDir(async (dir) => {
      await fixture(dir);
      const first = await buildSamples({ ...config(dir), nSamples: 100 });
      const [samples, scaler] = await Promise.all([readFile(first.samplesPath), readFile(first.scalerPath)]);
      // A kill after the samples were committed: no scaler, no manifest, and the temporary of a dead process.
      await rm(first.scalerPath);
      await rm(first.manifestPath);
      const dead = spawnSync(process.execPath, ['-e', '']).pid;
      const stale = join(dir, `.meta_scaler.json.tmp-${dead}-0123456789ab`);
      await writeFile(stale, 'half a scaler');
      const rerun = await buildSamples({ ...config(dir), nSamples: 100 });
      expect(existsSync(stale)).toBe(false);
      expect(await readFile(rerun.samplesPath)).toEqual(samples);
      expect(await readFile(rerun.scalerPath)).toEqual(scaler);
      expect(await verify(dir)).toMatchObject({ ok: true, checked: 2 });
    });
  });

  it('takes an earlier manifest away before replacing its files, so none lists samples and scaler of two runs', async () => {
    await withTempDir(async (dir) => {
      await fixture(dir);
      const first = await buildSamples({ ...config(dir), nSamples: 2000 });
      const controller = new AbortController();
      // Interrupted on its first samples progress line: the new samples are not committed, the old scaler is
      // still there, and no manifest vouches for either.
      const reporter = new RunReporter({
        name: 'interrupted overwrite',
        progress: 'lines',
        progressIntervalMs: 0,
        stderr: {
          write: (line: string) => line.startsWith('samples:') && controller.abort(new Error('interrupted')),
        },
      });
      await expect(
        buildSamples({
          ...config(dir, { window: 8, chunkRows: 100 }),
          nSamples: 2000,
          overwrite: true,
          reporter,
          signal: controller.signal,
        }),
      ).rejects.toThrow('interrupted');
      expect(existsSync(first.manifestPath)).toBe(false);
      expect((await readScaler(first.scalerPath)).window).toBe(16);
      // The next run does not need --overwrite: nothing complete is in the way.
      await buildSamples({ ...config(dir, { window: 8 }), nSamples: 2000 });
      expect((await readScaler(first.scalerPath)).window).toBe(8);
      expect(await verify(dir)).toMatchObject({ ok: true, checked: 2 });
    });
  });

  it('keeps every window and label inside its split, with gap_bars between splits', async () => {
    await withTempDir(async (dir) => {
      await fixture(dir, 0);
      const c = resolved(config(dir));
      const result = await buildSamples({ ...c, nSamples: 3000, seed: 3 });
      const rows = await readSamples(result.samplesPath);
      const market = await loadMarket(c);
      const trainEnd = Date.parse(result.trainEnd) * 1000;
      const validEnd = Date.parse(result.validEnd) * 1000;
      const maxH = 9;
      const seen = new Set<string>();
      for (let i = 0; i < rows.ticker.length; i++) {
        const k = TICKERS.indexOf(rows.ticker[i]!);
        const time = market.cleaned[k]!.bars.time;
        const e = rows.barIndex[i]!;
        const first = e - c.window + 1;
        const last = e + maxH;
        const splitOf = (t: number) => (t < trainEnd ? 'train' : t < validEnd ? 'valid' : 'test');
        // Every bar the sample uses lies in its split ...
        expect(splitOf(time[first]!)).toBe(rows.split[i]);
        expect(splitOf(time[last]!)).toBe(rows.split[i]);
        // ... and valid/test samples start at least gap_bars after their split's first bar.
        if (rows.split[i] !== 'train') {
          const cut = rows.split[i] === 'valid' ? trainEnd : validEnd;
          let splitStart = first;
          while (splitStart > 0 && time[splitStart - 1]! >= cut) splitStart--;
          expect(first - splitStart).toBeGreaterThanOrEqual(c.gapBars);
        }
        seen.add(rows.split[i]!);
      }
      expect([...seen].sort()).toEqual(['test', 'train', 'valid']);
      expect(c.gapBars).toBe(16 + 9);
    });
  });

  it('fits the scaler on the training period only: changing later bars leaves it unchanged', async () => {
    await withTempDir(async (root) => {
      const scalers: string[] = [];
      for (const variant of ['original', 'later bars changed']) {
        const dir = join(root, variant.replaceAll(' ', '-'));
        await fixture(dir, 0);
        if (variant !== 'original') {
          // Rewrite every ticker's bars after the train cut with different prices and volumes.
          const { readRawBars, writeRawBars } = await import('../src/raw-bars.js');
          const first = await buildSamples({ ...config(dir), nSamples: 10 });
          const cut = Date.parse(first.trainEnd) * 1000;
          for (const t of TICKERS) {
            const path = join(dir, `raw_${t}.parquet`);
            const bars = await readRawBars(path);
            for (let i = 0; i < bars.time.length; i++) {
              if (bars.time[i]! < cut) continue;
              for (const key of ['open', 'high', 'low', 'close'] as const) bars[key][i] = bars[key][i]! * 3;
              bars.volume[i] = bars.volume[i]! * 7 + 1;
            }
            await writeRawBars(path, bars);
          }
        }
        const result = await buildSamples({ ...config(dir), nSamples: 10, overwrite: true });
        scalers.push(await readFile(result.scalerPath, 'utf8'));
      }
      expect(scalers[1]).toBe(scalers[0]);
    });
  });

  it('leakage: deleting every bar after a window end changes none of its features, only the labels needing them', async () => {
    await withTempDir(async (dir) => {
      await fixture(dir);
      const c = resolved(config(dir));
      const result = await buildSamples({ ...c, nSamples: 2000, seed: 9 });
      const rows = await readSamples(result.samplesPath);
      const scaler = await readScaler(result.scalerPath);
      const market = await loadMarket(c);
      const rng = new Prng('1:0');
      let changedLabels = 0;
      for (let probe = 0; probe < 40; probe++) {
        const i = rng.int(rows.ticker.length);
        const ticker = rows.ticker[i]!;
        const cleaned = market.cleaned[TICKERS.indexOf(ticker)]!.bars;
        const e = rows.barIndex[i]!;
        for (const kept of [0, 1, 4, 8, 9]) {
          // Keep bars up to e + kept: labels with horizon <= kept are computable, the rest are not.
          const out = transform(scaler, ticker, headBars(cleaned, e + kept + 1), { ends: [e] });
          expect(out.features).toEqual(rows.features[i]);
          expect(out.meta).toEqual(rows.meta[i]);
          expect(out.gaps[0]).toBe(rows.gaps[i]);
          c.horizons.forEach((h, j) => {
            const stored = rows.rewards[`reward_${h}`]![i]!;
            if (h <= kept) expect(out.rewards[j]![0]).toBe(stored);
            else {
              expect(out.rewards[j]![0]).toBeNaN();
              expect(stored).not.toBeNaN();
              changedLabels++;
            }
          });
        }
      }
      expect(changedLabels).toBeGreaterThan(0);
    });
  });

  it('an interrupted build leaves no samples or scaler file behind', async () => {
    await withTempDir(async (dir) => {
      await fixture(dir);
      const controller = new AbortController();
      // Abort on the first progress line of the samples phase: mid-write, however slow the machine.
      let samplesProgressLines = 0;
      const reporter = new RunReporter({
        name: 'interrupted build',
        progress: 'lines',
        progressIntervalMs: 0,
        stderr: {
          write(line: string) {
            if (line.startsWith('samples:') && samplesProgressLines++ === 0)
              controller.abort(new Error('interrupted'));
            return true;
          },
        },
      });
      const build = buildSamples({
        ...config(dir, { threads: 2, chunkRows: 500 }),
        nSamples: 400_000,
        signal: controller.signal,
        reporter,
      });
      await expect(build).rejects.toThrow('interrupted');
      expect(samplesProgressLines).toBeGreaterThan(0);
      const { readdir } = await import('node:fs/promises');
      expect((await readdir(dir)).filter((f) => !f.startsWith('raw_'))).toEqual([]);
    });
  });

  it('splits at configured dates, and names a raw file missing a column', async () => {
    await withTempDir(async (dir) => {
      await fixture(dir, 0);
      const { readRawBars } = await import('../src/raw-bars.js');
      const time = (await readRawBars(join(dir, 'raw_AAA.parquet'))).time;
      const iso = (i: number) => new Date(time[i]! / 1000).toISOString();
      const result = await buildSamples({
        ...config(dir, { trainEnd: iso(1500), validEnd: iso(2200) }),
        nSamples: 50,
      });
      expect([result.trainEnd, result.validEnd]).toEqual([iso(1500), iso(2200)]);
      expect(result.tickers[0]!.eligible.train).toBe(1500 - 9 - 15);

      const { openDuckDB } = await import('@prepkit/db-cursors');
      await using db = await openDuckDB();
      await db.run(
        `COPY (SELECT time, open, high, low, close FROM read_parquet('${join(dir, 'raw_BBB.parquet')}')) TO '${join(dir, 'raw_NOVOL.parquet')}' (FORMAT parquet)`,
      );
      await expect(
        buildSamples({ ...config(dir, { tickers: ['AAA', 'NOVOL'] }), nSamples: 10, overwrite: true }),
      ).rejects.toThrow(/raw_NOVOL\.parquet: missing column "volume"; it has time, open, high, low, close/);
    });
  });

  it('transform refuses a ticker the scaler was not fitted on', async () => {
    await withTempDir(async (dir) => {
      await fixture(dir, 0);
      const result = await buildSamples({ ...config(dir), nSamples: 10 });
      const scaler = await readScaler(result.scalerPath);
      const market = await loadMarket(resolved(config(dir)));
      expect(() => transform(scaler, 'ZZZ', market.cleaned[0]!.bars)).toThrow(
        /the scaler has no ticker "ZZZ"/,
      );
      expect(() => transform(scaler, 'AAA', market.cleaned[0]!.bars, { ends: [3] })).toThrow(
        /window end 3 is out of range: needs 15 <= end < 3000/,
      );
      expect(transform(scaler, 'AAA', market.cleaned[0]!.bars).ends.length).toBe(3000 - 15);
    });
  });

  it('reports tickers it cannot use, and fails when none is usable', async () => {
    await withTempDir(async (dir) => {
      await generateRaw({ tickers: ['LONG'], bars: 2000, seed: 1, dataDir: dir });
      await generateRaw({ tickers: ['SHORT'], bars: 20, seed: 1, dataDir: dir });
      const { writeRawBars } = await import('../src/raw-bars.js');
      const { allocateBars } = await import('../src/bars.js');
      const nan = allocateBars(100);
      nan.time.forEach((_, i) => (nan.time[i] = 1e15 + i * 6e7));
      for (const key of ['open', 'high', 'low', 'close', 'volume'] as const) nan[key].fill(Number.NaN);
      await writeRawBars(join(dir, 'raw_NAN.parquet'), nan);
      const result = await buildSamples({
        ...config(dir, { tickers: ['LONG', 'SHORT', 'NAN'] }),
        nSamples: 300,
      });
      const skipped = Object.fromEntries(result.tickers.map((t) => [t.ticker, t.skipped]));
      expect(skipped.LONG).toBeNull();
      expect(skipped.SHORT).toMatch(/20 clean bars, fewer than window \+ max horizon = 25/);
      expect(skipped.NAN).toMatch(/no valid bars \(100 rows, all dropped by cleaning\)/);
      expect(result.tickers.find((t) => t.ticker === 'NAN')!.cleaning.droppedBadPrice).toBe(100);
      await expect(
        buildSamples({ ...config(dir, { tickers: ['SHORT', 'NAN'] }), nSamples: 10, overwrite: true }),
      ).rejects.toThrow(/no ticker has enough clean bars: SHORT: 20 clean bars.*NAN: no valid bars/);
      await expect(
        buildSamples({ ...config(dir, { tickers: ['MISSING'] }), nSamples: 10, overwrite: true }),
      ).rejects.toThrow(
        /no raw file raw_MISSING\.parquet; present: raw_LONG\.parquet, raw_NAN\.parquet, raw_SHORT\.parquet\. Name the tickers to use with --tickers/,
      );
    });
  });

  it('without tickers reads every raw file present, by name; named tickers without a raw file list those present', async () => {
    await withTempDir(async (dir) => {
      await generateRaw({ tickers: ['SPY', 'AAPL', 'GOOG'], bars: 1500, seed: 2, dataDir: dir });
      const result = await buildSamples({
        dataDir: dir,
        window: 8,
        horizons: [1, 3],
        threads: 1,
        nSamples: 200,
      });
      expect(result.tickers.map((t) => t.ticker)).toEqual(['AAPL', 'GOOG', 'SPY']);
      expect(result.tickers.every((t) => t.skipped === null)).toBe(true);
      await expect(
        buildSamples({ dataDir: dir, tickers: ['AAA', 'GOOG'], nSamples: 10, overwrite: true }),
      ).rejects.toThrow(
        /no raw file raw_AAA\.parquet; present: raw_AAPL\.parquet, raw_GOOG\.parquet, raw_SPY\.parquet\. Name the tickers to use with --tickers \(config key tickers\)/,
      );
      const empty = join(dir, 'empty');
      await expect(buildSamples({ dataDir: empty, nSamples: 10 })).rejects.toThrow(
        /empty: no raw files \(raw_\{ticker\}\.parquet\); write some with generate-raw or import-csv/,
      );
    });
  });

  it('writes manifest.json last, listing the samples and scaler with the phases timed', async () => {
    await withTempDir(async (dir) => {
      await fixture(dir, 0);
      const result = await buildSamples({ ...config(dir), nSamples: 300, seed: 4 });
      expect(result.manifestPath).toBe(join(dir, 'manifest.json'));
      const manifest = await readManifest(dir);
      expect(manifest.tool.name).toBe('@prepkit/market-samples');
      expect(manifest.outputs.map((o) => [o.path, o.records])).toEqual([
        ['samples_300.parquet', 300],
        ['meta_scaler.json', null],
      ]);
      expect(manifest.phases.map((p) => p.name)).toEqual([
        'load and clean',
        'split and fit scaler',
        'samples',
        'scaler',
      ]);
      expect(manifest.phases.every((p) => p.wallMs > 0)).toBe(true);
      expect(manifest.config).toMatchObject({
        tickers: TICKERS,
        window: 16,
        nSamples: 300,
        seed: 4,
        threads: 1,
      });
      expect(Object.keys(manifest.config as object)).not.toContain('signal');
      expect(Object.keys(manifest.config as object)).not.toContain('reporter');
      expect(manifest.inputs).toEqual(TICKERS.map((t) => join(dir, `raw_${t}.parquet`)));
      expect((await verify(dir)).ok).toBe(true);
    });
  });

  it('checks its options once, naming the bad one', async () => {
    await expect(buildSamples({ nSamples: 0 })).rejects.toThrow(
      /options\.nSamples: must be an integer >= 1 \(got 0\)/,
    );
    await expect(buildSamples({ nSamples: 5, window: 1 })).rejects.toThrow(
      /options\.window: must be an integer >= 2 \(got 1\)/,
    );
    await expect(buildSamples({ nSamples: 5, trainEnd: '2020-01-01' })).rejects.toThrow(
      /trainEnd and validEnd must be set together/,
    );
  });
});
