// `nx run probe-rows:bench-cluster`: probe-rows build as a sharded run on the job queue, in one run on one
// machine: the plain build against the cluster path on one worker process and on two, every process with
// one thread, their shard files compared byte for byte; where the cluster path's time goes (queue, plan
// and commit beside the shards); submit → first shard; empty jobs per second; the peak RSS of a plain
// build process against a worker's. PostgreSQL: PREPKIT_TEST_DATABASE_URL, else an embedded server.
// Needs Node 22.12+ (the npm script puts Node 24 first on PATH).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printBenchmark, runBenchmark, runBenchScript } from '@prepkit/bench-harness';
import { createTestDatabase, startTestPostgres } from '@prepkit/db-cursors/testing';
import { queueSupported } from '@prepkit/job-queue';
import { ClusterBench, peakRssOfCommand } from '@prepkit/job-queue/bench';
import { shardName } from '@prepkit/record-io';
// The built package, as users run it.
import { buildProbeRows, generateMeasurements, probeRowsRun } from '../dist/index.js';

const CLI = fileURLToPath(new URL('../bin/probe-rows.js', import.meta.url));
const SCHEMA = 'probe_rows_bench';
const SHARDS = 2;

interface Input {
  readonly path: string;
  readonly measurements: number;
}

const outputs = ['train', 'test'].flatMap((split) =>
  Array.from({ length: SHARDS }, (_, i) => shardName(split, i, SHARDS, 'array_record')),
);

await runBenchScript(
  'probe-rows as a sharded run on the job queue: plain build vs 1 and 2 worker processes, one thread each.',
  async (flags) => {
    if (!queueSupported()) {
      throw new Error(`the cluster benchmark needs Node 22.12 or newer (this is ${process.versions.node})`);
    }
    const measurements = flags.quick ? 20_000 : 500_028;
    const probes = flags.quick ? 800 : 18_928;
    const server = await startTestPostgres();
    const database = await createTestDatabase(server.url, 'probe_rows_bench');
    // The input outlives the benchmark's own work folder: a plain build process reads it afterwards.
    const workDir = await mkdtemp(join(tmpdir(), 'probe-rows-cluster-bench-'));
    try {
      const input: Input = { path: join(workDir, 'measurements.parquet'), measurements };
      await generateMeasurements({ measurements, probes, output: input.path, seed: 1 });
      const cluster = new ClusterBench<Input>({ cli: CLI, url: database.url, schema: SCHEMA });
      const config = (i: Input, output: string) => ({
        input: [i.path],
        output,
        overwrite: false,
        shards: SHARDS,
        merge: false,
        threads: 1,
      });
      const done = (i: Input) => ({ items: i.measurements, outputs });
      const baseline = `plain build --shards ${SHARDS} --threads 1`;
      const result = await runBenchmark<Input>({
        package: 'probe-rows',
        name: `cluster: ${measurements.toLocaleString('en')} measurements in ${SHARDS} shards, 1 thread per process`,
        unit: 'measurements',
        setup: () => input,
        variants: [
          {
            name: baseline,
            async run({ outputDir }) {
              await buildProbeRows({ input: input.path, output: outputDir, shards: SHARDS, threads: 1 });
              return done(input);
            },
          },
          cluster.variant(1, probeRowsRun, config, done),
          cluster.variant(2, probeRowsRun, config, done),
        ],
        baseline,
        warmup: flags.warmup ?? 1,
        repeats: flags.repeats ?? (flags.quick ? 1 : 3),
        params: { measurements, probes, shards: SHARDS, threads: 1 },
        noSave: flags.noSave,
        ...(flags.variants === undefined ? {} : { only: flags.variants }),
      });
      printBenchmark(result, flags);
      if (flags.json) return;
      const plainRss = await peakRssOfCommand(CLI, [
        'build',
        ...['--input', input.path, '--output', join(workDir, 'plain-rss')],
        ...['--shards', String(SHARDS), '--threads', '1'],
      ]);
      process.stdout.write(
        await cluster.report(result.variants, plainRss, {
          definition: probeRowsRun,
          config: config(input, join(workDir, 'worker-rss')),
        }),
      );
    } finally {
      await rm(workDir, { recursive: true, force: true });
      await database.drop();
      await server.stop();
    }
  },
);
