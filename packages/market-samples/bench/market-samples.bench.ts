// `nx run market-samples:bench`: samples from generated raw bars (4 tickers x 250,000 five-minute
// bars). The naive baseline (row objects, one sample at a time, as the original did) builds 100K
// samples; the real build writes 1M with 1 and 2 worker threads (identical files, checked); the
// floor is DuckDB writing the same 1M samples from a table it already holds, zstd, in the same run.
// MARKET_SAMPLES_BENCH_N overrides the real build's sample count (docs: 1M vs 10M peak RSS).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { printBenchmark, runBenchmark, runBenchScript } from '@prepkit/bench-harness';
import type { BenchmarkVariant } from '@prepkit/bench-harness';
import { openDuckDB } from '@prepkit/db-cursors';
import type { DuckDB } from '@prepkit/db-cursors';
// The built package, as users run it (its worker threads load plain JavaScript).
import { buildSamples, generateRaw } from '../dist/index.js';

interface Input {
  readonly dataDir: string;
  readonly floorSource: string;
}

const TICKERS = ['AAA', 'BBB', 'CCC', 'DDD'];

await runBenchScript(
  'market-samples: naive baseline, 1 and 2 workers, against the DuckDB floor.',
  async (flags) => {
    const bars = flags.quick ? 5_000 : 250_000;
    const samples = flags.quick ? 20_000 : Number(process.env.MARKET_SAMPLES_BENCH_N ?? 1_000_000);
    const naiveSamples = flags.quick ? 2_000 : 100_000;
    /** Builds into the variant's own directory (raw files are read from the shared input). */
    const build =
      (threads: number, n: number, variant: 'parallel' | 'naive') =>
      async ({ input, outputDir }: { input: Input; outputDir: string }) => {
        const result = await buildSamples({
          dataDir: outputDir,
          rawFilename: join(input.dataDir, 'raw_{ticker}.parquet'),
          tickers: TICKERS,
          threads,
          nSamples: n,
          seed: 42,
          overwrite: true,
          variant,
        });
        // The naive run's smaller file is not comparable; the real builds' files must be identical (not
        // the manifest, which records when it was written).
        return variant === 'naive'
          ? { items: result.samples }
          : { items: result.samples, outputs: [result.samplesPath, result.scalerPath] };
      };
    let db: DuckDB | undefined;
    const floor: BenchmarkVariant<Input> = {
      name: 'DuckDB floor (COPY of a held table, zstd)',
      async before(input) {
        db = await openDuckDB();
        await db.run('CREATE TABLE samples AS SELECT * FROM read_parquet($1)', [input.floorSource]);
      },
      async run({ outputDir }) {
        await db!.run(
          `COPY samples TO '${join(outputDir, 'floor.parquet')}' (FORMAT parquet, COMPRESSION zstd)`,
        );
        return { items: samples };
      },
      after() {
        db?.close();
      },
    };
    const naive = build(1, naiveSamples, 'naive');
    const result = await runBenchmark<Input>({
      package: 'market-samples',
      name: `build samples (window 64 x OHLCV, 3 horizons) from ${(bars * TICKERS.length).toLocaleString('en')} bars`,
      unit: 'samples',
      setup: async (workDir) => {
        const dataDir = join(workDir, 'data');
        await generateRaw({ tickers: TICKERS, bars, seed: 1, dataDir });
        // The floor's table holds exactly the samples the real build writes.
        const floorDir = join(workDir, 'floor');
        await mkdir(floorDir);
        const source = await buildSamples({
          dataDir: floorDir,
          rawFilename: join(dataDir, 'raw_{ticker}.parquet'),
          tickers: TICKERS,
          nSamples: samples,
          seed: 42,
        });
        return { dataDir, floorSource: source.samplesPath };
      },
      variants: [
        { name: `naive (${naiveSamples.toLocaleString('en')} samples)`, warmup: 0, repeats: 1, run: naive },
        { name: '1 worker', run: build(1, samples, 'parallel') },
        { name: '2 workers', run: build(2, samples, 'parallel') },
        floor,
      ],
      baseline: `naive (${naiveSamples.toLocaleString('en')} samples)`,
      warmup: flags.warmup ?? (flags.quick ? 0 : 1),
      repeats: flags.repeats ?? (flags.quick ? 1 : 3),
      params: {
        bars,
        tickers: TICKERS.length,
        samples,
        naiveSamples,
        window: 64,
        features: 5,
        horizons: [1, 5, 20],
      },
      noSave: flags.noSave,
      ...(flags.variants === undefined ? {} : { only: flags.variants }),
    });
    printBenchmark(result, flags);
    if (!flags.json) {
      const byName = new Map(result.variants.map((v) => [v.name, v]));
      const two = byName.get('2 workers');
      const floorResult = byName.get(floor.name);
      if (two !== undefined && floorResult !== undefined) {
        process.stdout.write(
          `\n2 workers vs naive, per sample: ${two.speedup.toFixed(1)}x (target >= 30x); ` +
            `2 workers / DuckDB floor time: ${(two.medianMs / floorResult.medianMs).toFixed(2)}x (target <= 1.5x); ` +
            `2 workers peak RSS ${(two.peakRssBytes / 2 ** 30).toFixed(2)} GiB (target <= 1.5 GiB)` +
            `${flags.quick ? ' [--quick: sizes too small for the targets to mean anything]' : ''}\n`,
        );
      }
    }
  },
);
