import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { formatBytes, formatDuration } from '@prepkit/bench-harness';
import type { BenchmarkVariant, VariantSummary } from '@prepkit/bench-harness';
import { openQueue } from '../queue.js';
import type { JobQueue } from '../queue.js';
import { defineShardedRun } from '../sharded-run.js';
import type { AnyShardedRun, Json } from '../sharded-run.js';
import { submitRun } from '../submit.js';
import { runWorker } from '../worker.js';

// What every pipeline's `bench-cluster` shares: worker processes of the pipeline's own CLI, started before
// the measured runs as on a cluster; a benchmark variant that submits a run and waits for its commit; where
// the time went (shards against queue, plan and commit); the peak RSS of plain and worker processes; and
// the queue's rate for empty jobs.

/** A `<cli> worker` process, with the time each stderr line arrived. */
export interface BenchWorker {
  readonly child: ChildProcess;
  readonly lines: { readonly at: number; readonly text: string }[];
  readonly exited: Promise<number | null>;
  /** Resolves with the arrival time of the first line containing `text`. */
  waitFor(text: string): Promise<number>;
  /** SIGTERM, then the peak RSS its `--json` exit report gives. */
  stop(): Promise<number>;
}

export interface ClusterBenchOptions {
  /** The pipeline's CLI script (`bin/<cli>.js`). */
  readonly cli: string;
  readonly url: string;
  /** Queue schema of the benchmark, apart from users' queues. */
  readonly schema: string;
}

/**
 * With PREPKIT_BENCH_PIN_CORES=1 (and `taskset`), worker k of a variant runs on core k+1 (mod the cores) only:
 * run the bench itself under `taskset -c 0`, and each process has a core of its own, as on separate machines,
 * instead of two multi-threaded processes sharing every core.
 */
function pinnedCore(index: number): number | undefined {
  if (process.env.PREPKIT_BENCH_PIN_CORES !== '1') return undefined;
  return (index + 1) % availableParallelism();
}

/** A benchmark worker's arguments (after the CLI script) and environment: the bench's queue, 0.5 s polling. */
function workerCommand(options: ClusterBenchOptions): { args: string[]; env: NodeJS.ProcessEnv } {
  return {
    args: ['worker', '--queue-schema', options.schema, '--poll-interval', '0.5'],
    env: { ...process.env, DATABASE_URL: options.url },
  };
}

export function startBenchWorker(options: ClusterBenchOptions, index = 0): BenchWorker {
  const { args: workerArgs, env } = workerCommand(options);
  const args = [options.cli, ...workerArgs, '--json'];
  const core = pinnedCore(index);
  const child = spawn(
    core === undefined ? process.execPath : 'taskset',
    core === undefined ? args : ['-c', String(core), process.execPath, ...args],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: { at: number; text: string }[] = [];
  let stdout = '';
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
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    lines,
    exited,
    waitFor(text) {
      const found = lines.find((line) => line.text.includes(text));
      if (found !== undefined) return Promise.resolve(found.at);
      return new Promise((resolve, reject) => {
        waiters.push({ text, resolve });
        void exited.then((code) =>
          reject(
            new Error(
              `worker exited (${code}) before "${text}": ${lines
                .slice(-5)
                .map((l) => l.text)
                .join(' | ')}`,
            ),
          ),
        );
      });
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      const last = stdout.trim().split('\n').at(-1) ?? '{}';
      return (JSON.parse(last) as { peakRssBytes?: number }).peakRssBytes ?? NaN;
    },
  };
}

/** One measured cluster run: its wall time, the sum of its shards' times, and submit → first shard. */
interface RunTiming {
  readonly variant: string;
  readonly wallMs: number;
  readonly shardMs: number;
  readonly firstShardMs: number;
}

/** Cluster variants of one benchmark and what they measured beside the time. */
export class ClusterBench<TInput> {
  readonly #options: ClusterBenchOptions;
  readonly #timings: RunTiming[] = [];
  readonly #peaks = new Map<string, number>();

  constructor(options: ClusterBenchOptions) {
    this.#options = options;
  }

  /**
   * A variant that submits `definition` with `config(input, outputDir)` (its `shards` jobs) to `workers`
   * worker processes started in `before`, and waits until a worker has committed it.
   */
  variant(
    workers: number,
    definition: AnyShardedRun,
    config: (input: TInput, outputDir: string) => Json & { readonly shards: number },
    result: (input: TInput) => { items: number; outputs: readonly string[] },
  ): BenchmarkVariant<TInput> {
    const name = `cluster, ${workers} worker process${workers === 1 ? '' : 'es'}`;
    let queue: JobQueue | undefined;
    let processes: BenchWorker[] = [];
    return {
      name,
      before: async () => {
        queue = await openQueue(this.#options.url, {
          schema: this.#options.schema,
          pollingIntervalSeconds: 0.5,
        });
        processes = Array.from({ length: workers }, (_, k) => startBenchWorker(this.#options, k));
        await Promise.all(processes.map((worker) => worker.waitFor(' ready (')));
      },
      after: async () => {
        const peaks = await Promise.all(processes.map((worker) => worker.stop()));
        this.#peaks.set(name, Math.max(...peaks));
        await queue?.close();
      },
      run: async ({ input, outputDir, warmup }) => {
        const runConfig = config(input, outputDir);
        const start = performance.now();
        const { runId } = await submitRun(queue!, definition, runConfig);
        const committed = await Promise.race(
          processes.map((worker) => worker.waitFor(`${runId} commit done`)),
        );
        const lines = processes.flatMap((worker) => worker.lines.filter((line) => line.text.includes(runId)));
        const at = (text: string): number => lines.find((line) => line.text.endsWith(text))?.at ?? NaN;
        let shardMs = 0;
        let firstShard = Infinity;
        for (let i = 0; i < runConfig.shards; i++) {
          shardMs += at(`shard ${i} done`) - at(`shard ${i} start`);
          firstShard = Math.min(firstShard, at(`shard ${i} start`));
        }
        if (!warmup)
          this.#timings.push({
            variant: name,
            wallMs: committed - start,
            shardMs,
            firstShardMs: firstShard - start,
          });
        return result(input);
      },
    };
  }

  /** Median wall time of a cluster variant's runs. */
  wallMs(variant: string): number {
    return median(this.#timings.filter((t) => t.variant === variant).map((t) => t.wallMs));
  }

  /**
   * What a `bench-cluster` prints after the benchmark's own table: where the time went, the two
   * ratios against their targets, and the queue's rate for empty jobs (measured now, on `schema`).
   * `plain` is the baseline variant (first); `plainPeakRssBytes` the peak RSS of a plain CLI process.
   */
  async report(
    variants: readonly VariantSummary[],
    plainPeakRssBytes: number,
    oneRun: { readonly definition: AnyShardedRun; readonly config: Json & { readonly shards: number } },
  ): Promise<string> {
    const [plain, ...others] = variants;
    const one = this.wallMs('cluster, 1 worker process');
    const two = this.wallMs('cluster, 2 worker processes');
    const workerRss = await this.oneRunPeakRss(oneRun.definition, oneRun.config);
    const empty = await emptyJobsPerSecond(this.#options.url, this.#options.schema);
    return (
      `\n${this.table(plain!, plainPeakRssBytes, others)}\n\n` +
      `2 worker processes vs 1: ${(one / two).toFixed(2)}x (target >= 1.8x); ` +
      `cluster on 1 worker / plain: ${(one / plain!.medianMs).toFixed(2)}x (target <= 1.15x)\n` +
      `peak RSS of one run in a fresh process: plain ${formatBytes(plainPeakRssBytes)}, ` +
      `one worker ${formatBytes(workerRss)} (${(workerRss / plainPeakRssBytes).toFixed(2)}x; target <= 1x)\n` +
      `empty jobs, plan + 100 shards + commit, one in-process worker slot: ${empty.toFixed(0)} jobs/s\n`
    );
  }

  /**
   * The peak RSS of a fresh worker process that runs one whole run (plan, every shard, commit) and exits when
   * idle: the work of one plain process, where a variant's workers keep their peak over every run they did.
   */
  async oneRunPeakRss(
    definition: AnyShardedRun,
    config: Json & { readonly shards: number },
  ): Promise<number> {
    {
      await using queue = await openQueue(this.#options.url, { schema: this.#options.schema });
      await submitRun(queue, definition, config);
    }
    const { args, env } = workerCommand(this.#options);
    return peakRssOfCommand(this.#options.cli, [...args, '--exit-when-idle'], env);
  }

  /**
   * The table of where the time went, against the plain run (its median and the peak RSS of a plain CLI
   * process): wall time, shards' sum, what is not a shard (one worker only, where shards run one after
   * another), submit → first shard, peak RSS per process.
   */
  table(plain: VariantSummary, plainPeakRssBytes: number, variants: readonly VariantSummary[]): string {
    const lines = [
      '| variant | wall (median) | vs plain | shards (sum) | queue + plan + commit | submit → first shard | peak RSS per process |',
      '|---|---:|---:|---:|---:|---:|---:|',
      `| ${plain.name} | ${formatDuration(plain.medianMs)} | 1.00x | | | | ${formatBytes(plainPeakRssBytes)} |`,
    ];
    for (const variant of variants) {
      const mine = this.#timings.filter((t) => t.variant === variant.name);
      if (mine.length === 0) continue;
      const wall = median(mine.map((t) => t.wallMs));
      const shards = median(mine.map((t) => t.shardMs));
      const other = variant.name.includes(' 1 worker ') ? formatDuration(wall - shards) : 'n/a (in parallel)';
      lines.push(
        `| ${variant.name} | ${formatDuration(wall)} | ${(wall / plain.medianMs).toFixed(2)}x | ` +
          `${formatDuration(shards)} | ${other} | ${formatDuration(median(mine.map((t) => t.firstShardMs)))} | ` +
          `${formatBytes(this.#peaks.get(variant.name) ?? NaN)} |`,
      );
    }
    return lines.join('\n');
  }
}

/** Runs `<cli> <args> --json` to its end and gives the peak RSS its JSON report states. */
export function peakRssOfCommand(
  cli: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const child = spawn(process.execPath, [cli, ...args, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`${args[0]} exited ${code}: ${err.slice(-500)}`));
      const report = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { peakRssBytes?: number };
      resolve(report.peakRssBytes ?? NaN);
    }),
  );
}

const emptyRun = defineShardedRun({
  name: 'bench-empty',
  plan: (config: { shards: number; tag: string }) => ({ shards: config.shards }),
  runShard: () => Promise.resolve({}),
  commit: () => Promise.resolve(null),
});

/** Jobs per second for empty jobs through the whole graph (plan, `shards` shards, commit), one in-process slot. */
export async function emptyJobsPerSecond(url: string, schema: string, shards = 100): Promise<number> {
  await using queue = await openQueue(url, { schema, pollingIntervalSeconds: 0.5 });
  const start = performance.now();
  await submitRun(queue, emptyRun, { shards, tag: `${process.pid}-${start}` });
  await runWorker(queue, [emptyRun], { exitWhenIdle: true });
  return ((shards + 2) / (performance.now() - start)) * 1000;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}
