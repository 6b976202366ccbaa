// `nx run probe-rows:bench`: 500,028 generated measurements of 18,928 probes, built by the three
// modes in one run (their train/test files must be identical), against the floor: DuckDB's
// cheapest statement that writes the same rows grouped and time-ordered (one sorted COPY).
import { join } from 'node:path';
import { printBenchmark, runBenchmark, runBenchScript } from '@prepkit/bench-harness';
import type { BenchmarkVariant } from '@prepkit/bench-harness';
import { openDuckDB } from '@prepkit/db-cursors';
// The built package, as users run it (its worker threads load plain JavaScript).
import { buildProbeRows, generateMeasurements } from '../dist/index.js';
import type { BuildMode } from '../dist/index.js';

interface Input {
  readonly path: string;
}

function modeVariant(mode: BuildMode, extra: Partial<BenchmarkVariant<Input>> = {}): BenchmarkVariant<Input> {
  return {
    name: mode,
    ...extra,
    async run({ input, outputDir }) {
      const result = await buildProbeRows({ input: input.path, output: outputDir, mode });
      return {
        items: result.train.measurements + result.test.measurements,
        outputs: ['train.array_record', 'test.array_record'],
      };
    },
  };
}

await runBenchScript(
  'probe-rows: sequential, parallel and streaming against the DuckDB floor.',
  async (flags) => {
    const measurements = flags.quick ? 20_000 : 500_028;
    const probes = flags.quick ? 800 : 18_928;
    const floor: BenchmarkVariant<Input> = {
      name: 'DuckDB floor (one sorted COPY)',
      async run({ input, outputDir }) {
        await using db = await openDuckDB();
        await db.run(
          `COPY (SELECT * FROM read_parquet($1) ORDER BY src_addr, event_time) TO '${join(outputDir, 'x.parquet')}' (FORMAT parquet)`,
          [input.path],
        );
        return { items: measurements };
      },
    };
    const result = await runBenchmark<Input>({
      package: 'probe-rows',
      name: `build ${measurements.toLocaleString('en')} measurements of ${probes.toLocaleString('en')} probes`,
      unit: 'measurements',
      setup: async (workDir) => {
        const path = join(workDir, 'measurements.parquet');
        await generateMeasurements({ measurements, probes, output: path, seed: 1 });
        return { path };
      },
      variants: [
        // One query per probe takes minutes at full size: one measured run, no warm-up.
        modeVariant('sequential', { warmup: 0, repeats: 1 }),
        modeVariant('parallel'),
        modeVariant('streaming'),
        floor,
      ],
      baseline: 'sequential',
      warmup: flags.warmup ?? 1,
      repeats: flags.repeats ?? (flags.quick ? 1 : 3),
      params: { measurements, probes, groupBy: 'src_addr', orderBy: 'event_time', compression: 'zstd' },
      noSave: flags.noSave,
      ...(flags.variants === undefined ? {} : { only: flags.variants }),
    });
    printBenchmark(result, flags);
    if (!flags.json) {
      const byName = new Map(result.variants.map((v) => [v.name, v]));
      const streaming = byName.get('streaming');
      const floorResult = byName.get(floor.name);
      if (streaming !== undefined && floorResult !== undefined) {
        process.stdout.write(
          `\nstreaming vs sequential: ${streaming.speedup.toFixed(1)}x (target >= 100x); ` +
            `streaming / DuckDB floor time: ${(streaming.medianMs / floorResult.medianMs).toFixed(2)}x (target <= 4x)\n`,
        );
      }
    }
  },
);
