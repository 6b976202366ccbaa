// `nx run market-samples:bench-cluster`: build as a sharded run on the job queue, in one run on one
// machine: the plain build against the cluster path on one worker process and on two, one thread each,
// their shard files compared byte for byte; where the cluster path's time goes (the plan loads the whole
// market once); submit → first shard; empty jobs per second; the peak RSS of a plain build process
// against a worker's. PostgreSQL: PREPKIT_TEST_DATABASE_URL, else an embedded server. Needs Node 22.12+
// (the npm script puts Node 24 first on PATH).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printBenchmark, runBenchmark, runBenchScript } from '@prepkit/bench-harness';
import { createTestDatabase, startTestPostgres } from '@prepkit/db-cursors/testing';
import { queueSupported } from '@prepkit/job-queue';
import { ClusterBench, peakRssOfCommand } from '@prepkit/job-queue/bench';
import { shardOf } from '@prepkit/record-io';
// The built package, as users run it.
import { buildSamples, generateRaw, marketSamplesRun } from '../dist/index.js';

const CLI = fileURLToPath(new URL('../bin/market-samples.js', import.meta.url));
const SCHEMA = 'market_samples_bench';
const SHARDS = 2;
// Four tickers in each shard, so that two workers get equal work.
const TICKERS = Array.from({ length: 100 }, (_, i) => `T${String(i).padStart(2, '0')}`)
  .filter(
    (ticker, _i, all) =>
      all.filter((t) => t <= ticker && shardOf(t, SHARDS) === shardOf(ticker, SHARDS)).length <= 4,
  )
  .slice(0, 8);

interface Input {
  readonly rawDir: string;
  readonly samples: number;
}

await runBenchScript(
  'market-samples build as a sharded run on the job queue: plain vs 1 and 2 worker processes, one thread each.',
  async (flags) => {
    if (!queueSupported()) {
      throw new Error(`the cluster benchmark needs Node 22.12 or newer (this is ${process.versions.node})`);
    }
    const bars = flags.quick ? 5_000 : 100_000;
    const samples = flags.quick ? 20_000 : 400_000;
    const server = await startTestPostgres();
    const database = await createTestDatabase(server.url, 'market_cluster_bench');
    const workDir = await mkdtemp(join(tmpdir(), 'market-cluster-bench-'));
    try {
      const input: Input = { rawDir: join(workDir, 'raw'), samples };
      await generateRaw({ tickers: TICKERS, bars, seed: 1, dataDir: input.rawDir });
      const options = (i: Input, dataDir: string) => ({
        dataDir,
        rawFilename: join(i.rawDir, 'raw_{ticker}.parquet'),
        tickers: TICKERS,
        nSamples: i.samples,
        seed: 42,
        threads: 1,
        shards: SHARDS,
      });
      // The shard files' names, as the plain build reports them (samples_{n} with n written short: 20K).
      let outputs: string[] = [];
      const done = () => ({ items: samples, outputs });
      const cluster = new ClusterBench<Input>({ cli: CLI, url: database.url, schema: SCHEMA });
      const baseline = `plain build --shards ${SHARDS} --threads 1`;
      const result = await runBenchmark<Input>({
        package: 'market-samples',
        name: `cluster: ${samples.toLocaleString('en')} samples of ${TICKERS.length} tickers x ${bars.toLocaleString('en')} bars in ${SHARDS} shards, 1 thread per process`,
        unit: 'samples',
        setup: () => input,
        variants: [
          {
            name: baseline,
            async run({ outputDir }) {
              const built = await buildSamples(options(input, outputDir));
              outputs = built.files.map((file) => relative(outputDir, resolve(outputDir, file.path)));
              return done();
            },
          },
          cluster.variant(1, marketSamplesRun, (i, dir) => ({ ...options(i, dir), merge: false }), done),
          cluster.variant(2, marketSamplesRun, (i, dir) => ({ ...options(i, dir), merge: false }), done),
        ],
        baseline,
        warmup: flags.warmup ?? (flags.quick ? 0 : 1),
        repeats: flags.repeats ?? (flags.quick ? 1 : 3),
        params: { bars, tickers: TICKERS.length, samples, shards: SHARDS, threads: 1 },
        noSave: flags.noSave,
        ...(flags.variants === undefined ? {} : { only: flags.variants }),
      });
      printBenchmark(result, flags);
      if (flags.json) return;
      const plainRss = await peakRssOfCommand(CLI, [
        'build',
        ...[
          '--data-dir',
          join(workDir, 'plain-rss'),
          '--raw-filename',
          join(input.rawDir, 'raw_{ticker}.parquet'),
        ],
        ...['--tickers', TICKERS.join(','), '--n-samples', String(samples), '--seed', '42'],
        ...['--threads', '1', '--shards', String(SHARDS)],
      ]);
      process.stdout.write(
        await cluster.report(result.variants, plainRss, {
          definition: marketSamplesRun,
          config: { ...options(input, join(workDir, 'worker-rss')), merge: false },
        }),
      );
    } finally {
      await rm(workDir, { recursive: true, force: true });
      await database.drop();
      await server.stop();
    }
  },
);
