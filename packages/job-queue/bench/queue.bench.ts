// `nx run job-queue:bench`: what the queue itself costs. Empty jobs measure pg-boss's throughput
// through the full job graph (plan, N shards, commit); the latency from submit to the first shard
// running; and 1 against 2 worker processes on CPU-bound shards, whose files must be identical.
// PostgreSQL: PREPKIT_TEST_DATABASE_URL, else an embedded server (as the tests use).

import { formatDuration, printBenchmark, runBenchmark, runBenchScript } from '@prepkit/bench-harness';
import type { BenchmarkVariant } from '@prepkit/bench-harness';
import { createTestDatabase, startTestPostgres } from '@prepkit/db-cursors/testing';
import { defineShardedRun, openQueue, queueSupported, runWorker, submitRun } from '../src/index.js';
import type { JobQueue, WorkerEvent } from '../src/index.js';
import { TEST_QUEUE_OPTIONS } from '../test/fixtures/queue-options.js';
import { toyRun } from '../test/fixtures/toy-run.js';
import { spawnWorker } from '../test/helpers.js';
import type { WorkerProcess } from '../test/helpers.js';

const emptyRun = defineShardedRun({
  name: 'empty',
  plan: (config: { shards: number; tag: string }) => ({ shards: config.shards }),
  runShard: () => Promise.resolve({}),
  commit: () => Promise.resolve(null),
});

/** An in-process worker with `concurrency` shard slots, started before the measured runs. */
function emptyJobsVariant(queue: JobQueue, shards: number, concurrency: number): BenchmarkVariant<undefined> {
  const stop = new AbortController();
  let worker: Promise<unknown> | undefined;
  const waiting = new Map<string, () => void>();
  return {
    name: `${concurrency} slot${concurrency === 1 ? '' : 's'}`,
    async before() {
      await new Promise<void>((ready) => {
        worker = runWorker(queue, [emptyRun], {
          concurrency,
          signal: stop.signal,
          onReady: ready,
          onEvent: (event) => {
            if (event.type === 'done' && event.step === 'commit') waiting.get(event.runId)?.();
          },
        });
      });
    },
    async after() {
      stop.abort();
      await worker;
    },
    async run({ outputDir }) {
      const { runId } = await submitRun(queue, emptyRun, { shards, tag: outputDir });
      await new Promise<void>((resolve) => waiting.set(runId, resolve));
      return { items: shards + 2 };
    },
  };
}

/** `count` worker processes (the toy worker of the tests), started and ready before the measured runs. */
function processesVariant(url: string, schema: string, count: number, shards: number, cpuRounds: number) {
  let workers: WorkerProcess[] = [];
  let queue: JobQueue | undefined;
  const variant: BenchmarkVariant<undefined> = {
    name: `${count} worker process${count === 1 ? '' : 'es'}`,
    async before() {
      queue = await openQueue(url, { ...TEST_QUEUE_OPTIONS, schema });
      workers = Array.from({ length: count }, () => spawnWorker(url, schema, { exitWhenIdle: false }));
      await Promise.all(workers.map((worker) => worker.waitFor((line) => 'ready' in line)));
    },
    async after() {
      for (const worker of workers) worker.child.kill('SIGTERM');
      await Promise.all(workers.map((worker) => worker.exited));
      await queue?.close();
    },
    async run({ outputDir }) {
      const { runId } = await submitRun(queue!, toyRun, { dir: outputDir, items: 4000, shards, cpuRounds });
      await Promise.race(
        workers.map((worker) =>
          worker.waitFor((line) => line.type === 'done' && line.step === 'commit' && line.runId === runId),
        ),
      );
      const files = Array.from(
        { length: shards },
        (_, i) => `part-${String(i).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.jsonl`,
      );
      return { items: shards, outputs: files };
    },
  };
  return variant;
}

/** Submit → the first shard's start event, on an idle in-process worker; median of `repeats`. */
async function firstShardLatency(queue: JobQueue, repeats: number): Promise<number[]> {
  const stop = new AbortController();
  const starts = new Map<string, () => void>();
  let worker: Promise<unknown> | undefined;
  await new Promise<void>((ready) => {
    worker = runWorker(queue, [emptyRun], {
      signal: stop.signal,
      onReady: ready,
      onEvent: (event: WorkerEvent) => {
        if (event.type === 'start' && typeof event.step === 'number') starts.get(event.runId)?.();
      },
    });
  });
  const times: number[] = [];
  try {
    for (let i = 0; i < repeats; i++) {
      const tag = `latency-${Date.now()}-${i}`;
      const started = performance.now();
      const runId = `empty-${tag}`;
      const first = new Promise<void>((resolve) => starts.set(runId, resolve));
      await submitRun(queue, emptyRun, { shards: 1, tag }, { runId });
      await first;
      times.push(performance.now() - started);
    }
  } finally {
    stop.abort();
    await worker;
  }
  return times;
}

await runBenchScript(
  'Job queue: empty-job throughput, submit latency, 1 vs 2 worker processes.',
  async (flags) => {
    if (!queueSupported()) {
      process.stdout.write(`skipped: pg-boss needs Node 22.12 or newer (this is ${process.versions.node})\n`);
      return;
    }
    const server = await startTestPostgres();
    const database = await createTestDatabase(server.url, 'prepkit_bench');
    try {
      const repeats = flags.repeats ?? (flags.quick ? 1 : 3);
      const warmup = flags.warmup ?? 1;
      const shards = flags.quick ? 50 : 400;
      // Default queue settings (a 1 s polling interval), as a user gets them.
      const queue = await openQueue(database.url, { schema: 'bench_queue' });
      try {
        const empty = await runBenchmark({
          package: 'job-queue',
          name: `empty jobs: plan + ${shards} shards + commit, one in-process worker`,
          unit: 'jobs',
          variants: [emptyJobsVariant(queue, shards, 1), emptyJobsVariant(queue, shards, 8)],
          baseline: '1 slot',
          warmup,
          repeats,
          params: { shards, pollingIntervalSeconds: queue.options.pollingIntervalSeconds },
          noSave: flags.noSave,
        });
        printBenchmark(empty, flags);
        const latencies = (await firstShardLatency(queue, flags.quick ? 3 : 10)).sort((a, b) => a - b);
        const median = latencies[Math.floor(latencies.length / 2)]!;
        process.stdout.write(
          `\nsubmit → first shard running (idle worker, polling every ${queue.options.pollingIntervalSeconds} s): ` +
            `median ${formatDuration(median)}, min ${formatDuration(latencies[0]!)}, max ${formatDuration(latencies.at(-1)!)} over ${latencies.length} runs\n`,
        );
      } finally {
        await queue.close();
      }
      const cpuShards = flags.quick ? 4 : 8;
      const cpuRounds = flags.quick ? 50 : 400;
      const cpu = await runBenchmark({
        package: 'job-queue',
        name: `CPU-bound toy shards (${cpuShards} shards, ${cpuRounds} sha256 rounds per item), worker processes`,
        unit: 'shards',
        variants: [
          processesVariant(database.url, 'bench_processes', 1, cpuShards, cpuRounds),
          processesVariant(database.url, 'bench_processes', 2, cpuShards, cpuRounds),
        ],
        baseline: '1 worker process',
        warmup,
        repeats,
        params: {
          shards: cpuShards,
          items: 4000,
          cpuRounds,
          pollingIntervalSeconds: TEST_QUEUE_OPTIONS.pollingIntervalSeconds,
        },
        noSave: flags.noSave,
      });
      printBenchmark(cpu, flags);
    } finally {
      await database.drop();
      await server.stop();
    }
  },
);
