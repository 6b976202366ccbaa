// `nx run discord-dataset:bench-cluster`: prepare as a sharded run on the job queue, in one run on one
// machine: the plain prepare against the cluster path on one worker process and on two, one thread each,
// their shard files compared byte for byte; where the cluster path's time goes; submit → first shard;
// empty jobs per second; the peak RSS of a plain prepare process against a worker's. The messages live in
// the same PostgreSQL as the queue (PREPKIT_TEST_DATABASE_URL, else an embedded server). Needs Node
// 22.12+ (the npm script puts Node 24 first on PATH).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatCount, printBenchmark, runBenchmark, runBenchScript } from '@prepkit/bench-harness';
import { createTestDatabase, startTestPostgres } from '@prepkit/db-cursors/testing';
import { queueSupported } from '@prepkit/job-queue';
import { ClusterBench, peakRssOfCommand } from '@prepkit/job-queue/bench';
// The built package, as users run it.
import {
  createDiscordRun,
  generateToDatabase,
  initDatabase,
  prepareDiscordDataset,
  rootsPath,
  shardPath,
} from '../dist/index.js';

const CLI = fileURLToPath(new URL('../bin/discord-dataset.js', import.meta.url));
const SCHEMA = 'discord_bench';
const SHARDS = 2;

interface Input {
  readonly db: string;
  readonly messages: number;
}

/** The shard files (and their root indexes) a prepare with `--shards 2` writes into `dir`. */
function outputs(): string[] {
  return ['train.jsonl', 'valid.jsonl'].flatMap((name) =>
    Array.from({ length: SHARDS }, (_, i) => {
      const path = shardPath(name, i, SHARDS);
      return [basename(path), basename(rootsPath(path))];
    }).flat(),
  );
}

await runBenchScript(
  'discord-dataset prepare as a sharded run on the job queue: plain vs 1 and 2 worker processes, one thread each.',
  async (flags) => {
    if (!queueSupported()) {
      throw new Error(`the cluster benchmark needs Node 22.12 or newer (this is ${process.versions.node})`);
    }
    const messages = flags.quick ? 10_000 : 400_000;
    const server = await startTestPostgres();
    const database = await createTestDatabase(server.url, 'discord_cluster_bench');
    const workDir = await mkdtemp(join(tmpdir(), 'discord-cluster-bench-'));
    try {
      await initDatabase(database.url);
      process.stderr.write(`generating ${formatCount(messages)} messages…\n`);
      await generateToDatabase({ db: database.url, messages, seed: 'bench' });
      const input: Input = { db: database.url, messages };
      const files = outputs();
      const done = () => ({ items: messages, outputs: files });
      const config = (i: Input, dir: string) => ({
        db: i.db,
        train: join(dir, 'train.jsonl'),
        valid: join(dir, 'valid.jsonl'),
        threads: 1,
        shards: SHARDS,
        merge: false,
      });
      const cluster = new ClusterBench<Input>({ cli: CLI, url: database.url, schema: SCHEMA });
      const run = createDiscordRun(database.url);
      const baseline = `plain prepare --shards ${SHARDS} --threads 1`;
      const result = await runBenchmark<Input>({
        package: 'discord-dataset',
        name: `cluster: ${formatCount(messages)} messages in ${SHARDS} shards, 1 thread per process`,
        unit: 'messages',
        setup: () => input,
        variants: [
          {
            name: baseline,
            async run({ outputDir }) {
              const { db, train, valid, threads, shards } = config(input, outputDir);
              await prepareDiscordDataset({ db, train, valid, threads, shards });
              return done();
            },
          },
          cluster.variant(1, run, config, done),
          cluster.variant(2, run, config, done),
        ],
        baseline,
        warmup: flags.warmup ?? 1,
        repeats: flags.repeats ?? (flags.quick ? 1 : 3),
        params: { messages, shards: SHARDS, threads: 1 },
        noSave: flags.noSave,
        ...(flags.variants === undefined ? {} : { only: flags.variants }),
      });
      printBenchmark(result, flags);
      if (flags.json) return;
      const plainRss = await peakRssOfCommand(
        CLI,
        [
          'prepare',
          '--shards',
          String(SHARDS),
          '--threads',
          '1',
          join(workDir, 'train.jsonl'),
          join(workDir, 'valid.jsonl'),
        ],
        { ...process.env, DATABASE_URL: database.url },
      );
      process.stdout.write(
        await cluster.report(result.variants, plainRss, {
          definition: run,
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
