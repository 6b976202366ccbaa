// `nx run probe-rows:bench-cluster`: probe-rows build as a sharded run on the job queue (issue 16), in one
// run on one machine: the plain build against the cluster path on one worker process and on two, every
// process with one thread, their shard files compared byte for byte; where the cluster path's time goes
// (the queue, plan and commit beside the shards); submit → first shard; empty jobs per second; and the
// peak RSS of a plain build process against a worker's. PostgreSQL: PREPKIT_TEST_DATABASE_URL, else an
// embedded server. Needs Node 22.12+ (the npm script puts Node 24 first on PATH).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  formatBytes,
  formatDuration,
  printBenchmark,
  runBenchmark,
  runBenchScript,
} from '@prepkit/bench-harness';
import type { BenchmarkVariant } from '@prepkit/bench-harness';
import { createTestDatabase, startTestPostgres } from '@prepkit/db-cursors/testing';
import { defineShardedRun, openQueue, queueSupported, runWorker, submitRun } from '@prepkit/job-queue';
import type { JobQueue } from '@prepkit/job-queue';
import { shardName } from '@prepkit/record-io';
// The built package, as users run it.
import { buildProbeRows, generateMeasurements, probeRowsRun } from '../dist/index.js';
import type { ProbeRowsRunConfig } from '../dist/index.js';

const CLI = fileURLToPath(new URL('../bin/probe-rows.js', import.meta.url));
const SCHEMA = 'probe_rows_bench';
const SHARDS = 2;

interface Input {
  readonly path: string;
  readonly url: string;
  readonly measurements: number;
}

/** A `probe-rows worker` process and the time each of its lines arrived. */
interface WorkerProcess {
  readonly child: ChildProcess;
  readonly lines: { at: number; text: string }[];
  readonly stdout: string[];
  readonly exited: Promise<number | null>;
  waitFor(text: string): Promise<number>;
}

function startWorker(url: string): WorkerProcess {
  const child = spawn(
    process.execPath,
    [CLI, 'worker', '--queue-schema', SCHEMA, '--poll-interval', '0.5', '--json'],
    { env: { ...process.env, DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: { at: number; text: string }[] = [];
  const stdout: string[] = [];
  const waiters: { text: string; resolve: (at: number) => void }[] = [];
  createInterface({ input: child.stderr }).on('line', (text) => {
    const at = performance.now();
    lines.push({ at, text });
    for (const waiter of [...waiters]) {
      if (text.includes(waiter.text)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(at);
      }
    }
  });
  createInterface({ input: child.stdout }).on('line', (text) => stdout.push(text));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    lines,
    stdout,
    exited,
    waitFor(text) {
      const found = lines.find((line) => line.text.includes(text));
      if (found !== undefined) return Promise.resolve(found.at);
      return new Promise((resolve, reject) => {
        waiters.push({ text, resolve });
        void exited.then((code) => reject(new Error(`worker exited (${code}) before "${text}"`)));
      });
    },
  };
}

/** What the cluster variants saw of each run, for the overhead table. */
interface RunTiming {
  readonly variant: string;
  readonly wallMs: number;
  readonly firstShardMs: number;
  readonly shardMs: number;
}

const timings: RunTiming[] = [];
const workerPeaks = new Map<string, number>();

function config(input: Input, outputDir: string): ProbeRowsRunConfig {
  return {
    input: [input.path],
    output: outputDir,
    overwrite: false,
    shards: SHARDS,
    merge: false,
    threads: 1,
  };
}

const outputs = ['train', 'test'].flatMap((split) =>
  Array.from({ length: SHARDS }, (_, i) => shardName(split, i, SHARDS, 'array_record')),
);

function clusterVariant(workerCount: number): BenchmarkVariant<Input> {
  const name = `cluster, ${workerCount} worker process${workerCount === 1 ? '' : 'es'}`;
  let queue: JobQueue | undefined;
  let workers: WorkerProcess[] = [];
  return {
    name,
    async before(input) {
      queue = await openQueue(input.url, { schema: SCHEMA, pollingIntervalSeconds: 0.5 });
      workers = Array.from({ length: workerCount }, () => startWorker(input.url));
      await Promise.all(workers.map((worker) => worker.waitFor('ready')));
    },
    async after() {
      for (const worker of workers) worker.child.kill('SIGTERM');
      await Promise.all(workers.map((worker) => worker.exited));
      for (const worker of workers) {
        const report = JSON.parse(worker.stdout.at(-1) ?? '{}') as { peakRssBytes?: number };
        workerPeaks.set(name, Math.max(workerPeaks.get(name) ?? 0, report.peakRssBytes ?? 0));
      }
      await queue?.close();
    },
    async run({ input, outputDir, warmup }) {
      const start = performance.now();
      const { runId } = await submitRun(queue!, probeRowsRun, config(input, outputDir));
      const committed = await Promise.race(workers.map((worker) => worker.waitFor(`${runId} commit done`)));
      const mine = workers.flatMap((worker) => worker.lines.filter((line) => line.text.includes(runId)));
      const at = (text: string) => mine.filter((line) => line.text.endsWith(text)).map((line) => line.at);
      let shardMs = 0;
      for (let i = 0; i < SHARDS; i++) shardMs += at(`shard ${i} done`)[0]! - at(`shard ${i} start`)[0]!;
      const firstShardMs =
        Math.min(...Array.from({ length: SHARDS }, (_, i) => at(`shard ${i} start`)[0]!)) - start;
      if (!warmup) timings.push({ variant: name, wallMs: committed - start, firstShardMs, shardMs });
      return { items: input.measurements, outputs };
    },
  };
}

const emptyRun = defineShardedRun({
  name: 'empty',
  plan: (c: { shards: number; tag: string }) => ({ shards: c.shards }),
  runShard: () => Promise.resolve({}),
  commit: () => Promise.resolve(null),
});

/** Empty jobs through the whole graph (plan, `shards` shards, commit) on one in-process worker slot. */
async function emptyJobsPerSecond(url: string, shards: number): Promise<number> {
  await using queue = await openQueue(url, { schema: SCHEMA, pollingIntervalSeconds: 0.5 });
  const start = performance.now();
  await submitRun(queue, emptyRun, { shards, tag: String(start) });
  await runWorker(queue, [emptyRun], { exitWhenIdle: true });
  return ((shards + 2) / (performance.now() - start)) * 1000;
}

/** A plain `probe-rows build` process (one thread, `--shards 2`): its peak RSS from its JSON report. */
function plainBuildPeakRss(input: string, output: string): Promise<number> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'build',
      '--input',
      input,
      '--output',
      output,
      '--shards',
      String(SHARDS),
      '--threads',
      '1',
      '--json',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0
        ? resolve((JSON.parse(out) as { peakRssBytes: number }).peakRssBytes)
        : reject(new Error(`plain build exited ${code}`)),
    ),
  );
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

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
      const input: Input = { path: join(workDir, 'measurements.parquet'), url: database.url, measurements };
      await generateMeasurements({ measurements, probes, output: input.path, seed: 1 });
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
              return { items: measurements, outputs };
            },
          },
          clusterVariant(1),
          clusterVariant(2),
        ],
        baseline,
        warmup: flags.warmup ?? 1,
        repeats: flags.repeats ?? (flags.quick ? 1 : 3),
        params: { measurements, probes, shards: SHARDS, threads: 1, node: process.versions.node },
        noSave: flags.noSave,
        ...(flags.variants === undefined ? {} : { only: flags.variants }),
      });
      printBenchmark(result, flags);
      if (flags.json) return;
      const plainRss = await plainBuildPeakRss(input.path, join(workDir, 'plain-rss'));
      const plainMs = result.variants[0]!.medianMs;
      const lines = [
        '',
        '| variant | wall (median) | vs plain | shards (sum) | queue + plan + commit | submit → first shard | peak RSS per process |',
        '|---|---:|---:|---:|---:|---:|---:|',
        `| plain build (a \`probe-rows build\` process for the RSS) | ${formatDuration(plainMs)} | 1.00x | | | | ${formatBytes(plainRss)} |`,
      ];
      for (const variant of result.variants.slice(1)) {
        const mine = timings.filter((t) => t.variant === variant.name);
        const wall = median(mine.map((t) => t.wallMs));
        const shards = median(mine.map((t) => t.shardMs));
        // Only with one worker do the shards run one after another, so that wall − shards is what is not a shard.
        const other = variant.name.includes(' 1 worker')
          ? formatDuration(wall - shards)
          : 'n/a (in parallel)';
        lines.push(
          `| ${variant.name} | ${formatDuration(wall)} | ${(wall / plainMs).toFixed(2)}x | ${formatDuration(shards)} | ` +
            `${other} | ${formatDuration(median(mine.map((t) => t.firstShardMs)))} | ` +
            `${formatBytes(workerPeaks.get(variant.name) ?? NaN)} |`,
        );
      }
      const wallOf = (workers: string) =>
        median(timings.filter((t) => t.variant.includes(workers)).map((t) => t.wallMs));
      lines.push(
        '',
        `2 worker processes vs 1: ${(wallOf(' 1 worker') / wallOf(' 2 worker')).toFixed(2)}x (target >= 1.8x)`,
      );
      const emptyRate = await emptyJobsPerSecond(database.url, 100);
      lines.push(
        `empty jobs, plan + 100 shards + commit, one in-process worker slot: ${emptyRate.toFixed(0)} jobs/s`,
      );
      process.stdout.write(`${lines.join('\n')}\n`);
    } finally {
      await rm(workDir, { recursive: true, force: true });
      await database.drop();
      await server.stop();
    }
  },
);
