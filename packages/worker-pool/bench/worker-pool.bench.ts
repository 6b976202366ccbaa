// `nx run worker-pool:bench`: the pool's per-task overhead (trivial tasks) and its scaling on a
// CPU-bound task, 1 thread against 2, on the same tasks; every variant's results are written
// to a file so the runner can check they are identical.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { printBenchmark, runBenchmark, runBenchScript } from '@prepkit/bench-harness';
import type { BenchmarkVariant } from '@prepkit/bench-harness';
import { WorkerPool } from '../src/index.js';
import type { BenchTask } from './tasks.js';

const taskModule = new URL('./tasks.ts', import.meta.url);

function tasks(kind: BenchTask['kind'], count: number, rounds: number): BenchTask[] {
  return Array.from({ length: count }, (_, seed) => ({ kind, seed, rounds }));
}

/** One pool per variant, started before its warm-up so thread start-up is not measured. */
function poolVariant(threads: number, work: BenchTask[]): BenchmarkVariant<undefined> {
  let pool: WorkerPool<BenchTask, string> | undefined;
  return {
    name: `${threads} thread${threads === 1 ? '' : 's'}`,
    before() {
      pool = new WorkerPool<BenchTask, string>({ filename: taskModule, threads });
    },
    after: () => pool?.close(),
    async run({ outputDir }) {
      if (pool === undefined) throw new Error('pool not started');
      const results: string[] = [];
      for await (const result of pool.map(work)) results.push(result);
      await writeFile(join(outputDir, 'results.txt'), results.join('\n'));
      return { items: work.length, outputs: ['results.txt'] };
    },
  };
}

await runBenchScript('Worker pool: per-task overhead and 2-thread speed-up.', async (flags) => {
  const scale = flags.quick ? 0.1 : 1;
  const repeats = flags.repeats ?? (flags.quick ? 1 : 5);
  const warmup = flags.warmup ?? 1;
  const trivialCount = Math.round(50_000 * scale);
  const cpuCount = Math.round(400 * scale);
  const rounds = 1_000_000;
  const benchmarks = [
    { name: 'trivial tasks', work: tasks('noop', trivialCount, 0), params: { tasks: trivialCount } },
    {
      name: 'CPU-bound tasks',
      work: tasks('mix', cpuCount, rounds),
      params: { tasks: cpuCount, mix_rounds: rounds },
    },
  ];
  for (const { name, work, params } of benchmarks) {
    const result = await runBenchmark({
      package: 'worker-pool',
      name,
      unit: 'tasks',
      variants: [poolVariant(1, work), poolVariant(2, work)],
      baseline: '1 thread',
      warmup,
      repeats,
      params,
      noSave: flags.noSave,
      ...(flags.variants === undefined ? {} : { only: flags.variants }),
    });
    printBenchmark(result, flags);
  }
});
