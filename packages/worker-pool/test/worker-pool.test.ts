import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidOptionError, TaskError, WorkerPool, workerModule } from '../src/index.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

interface DelayTask {
  value: number | string;
  delayMs: number;
}

/** A seeded xorshift, so "random" durations are the same on every run. */
function seededDelays(count: number, seed: number, maxMs: number): number[] {
  let x = seed;
  return Array.from({ length: count }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % maxMs;
  });
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('WorkerPool.map', () => {
  const pool = new WorkerPool<DelayTask, number>({ filename: fixture('delayed-double.mjs'), threads: 2 });
  afterAll(() => pool.close());

  it('keeps input order when tasks finish out of order', async () => {
    const delays = seededDelays(40, 7, 25);
    const tasks = delays.map((delayMs, value) => ({ value, delayMs }));
    const results = await collect(pool.map(tasks, { maxInFlight: 8 }));
    expect(results).toEqual(tasks.map((t) => t.value * 2));
  });

  it('never has more than maxInFlight tasks pulled and not yet handed back', async () => {
    const limit = 3;
    let pulled = 0;
    let consumed = 0;
    let worstGap = 0;
    async function* source() {
      for (let value = 0; value < 30; value++) {
        await Promise.resolve(); // an asynchronous source, like a database cursor
        pulled++;
        worstGap = Math.max(worstGap, pulled - consumed);
        yield { value, delayMs: value % 3 };
      }
    }
    for await (const result of pool.map(source(), { maxInFlight: limit })) {
      expect(result).toBe(consumed * 2);
      consumed++;
      // A slow consumer: the source must wait for it rather than run ahead.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(consumed).toBe(30);
    expect(worstGap).toBe(limit);
  });

  it('rejects with a TaskError naming the failing task', async () => {
    const tasks: DelayTask[] = [0, 1, 2, 'boom', 4].map((value) => ({ value, delayMs: 1 }));
    const error = await collect(pool.map(tasks)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect(error).toMatchObject({ index: 3, code: 'PREPKIT_WORKER_TASK_FAILED' });
    expect((error as Error).message).toBe('task 3 failed: bad value boom');
  });

  it('stops pulling new tasks once aborted', async () => {
    const controller = new AbortController();
    let pulled = 0;
    function* source() {
      for (let value = 0; value < 1000; value++) {
        pulled++;
        yield { value, delayMs: 5 };
      }
    }
    const seen: number[] = [];
    const error = await (async () => {
      for await (const result of pool.map(source(), { signal: controller.signal, maxInFlight: 4 })) {
        seen.push(result);
        if (seen.length === 2) controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([0, 2]);
    expect(pulled).toBeLessThanOrEqual(2 + 4);
  });

  it('rejects a running task at once on abort, lets it finish on its worker, and keeps the pool usable', async () => {
    const controller = new AbortController();
    const running = pool.run({ value: 7, delayMs: 200 }, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(running).rejects.toThrow('stop');
    // No worker was terminated mid-task: the next tasks run on the same pool.
    expect(await Promise.all([1, 2, 3].map((value) => pool.run({ value, delayMs: 0 })))).toEqual([2, 4, 6]);
  });

  it('closes the source when the consumer stops early', async () => {
    let closed = false;
    function* source() {
      try {
        for (let value = 0; ; value++) yield { value, delayMs: 0 };
      } finally {
        closed = true;
      }
    }
    for await (const result of pool.map(source())) if (result >= 4) break;
    expect(closed).toBe(true);
  });
});

describe('WorkerPool threads', () => {
  it('gives identical results with 1 and 2 threads', async () => {
    const tasks = Array.from({ length: 24 }, (_, seed) => ({ seed, rounds: 200 + ((seed * 37) % 500) }));
    const outputs: string[][] = [];
    for (const threads of [1, 2]) {
      await using pool = new WorkerPool<{ seed: number; rounds: number }, string>({
        filename: fixture('digest.mjs'),
        threads,
      });
      outputs.push(await collect(pool.map(tasks)));
    }
    expect(outputs[0]).toHaveLength(24);
    expect(outputs[1]).toEqual(outputs[0]);
  });

  it('moves ArrayBuffers to the worker instead of copying them', async () => {
    await using pool = new WorkerPool<{ buffer: ArrayBuffer }, ArrayBuffer>({
      filename: fixture('buffer-sum.mjs'),
      threads: 1,
    });
    const buffers = [new Float64Array([1, 2, 3]).buffer, new Float64Array([10, 20]).buffer];
    const tasks = buffers.map((buffer) => ({ buffer }));
    const results = await collect(pool.map(tasks, { transfer: (task) => [task.buffer] }));
    expect(results.map((r) => Array.from(new Float64Array(r)))).toEqual([
      [6, 3],
      [30, 2],
    ]);
    expect(buffers.map((b) => b.byteLength)).toEqual([0, 0]);
  });

  it('moves every buffer named in moveResult back to the caller', async () => {
    type Result = { summary: ArrayBuffer; buffer: ArrayBuffer };
    await using pool = new WorkerPool<{ buffer: ArrayBuffer }, Result>({
      filename: fixture('hand-back.ts'),
      threads: 1,
    });
    const first = await pool.run({ buffer: new Float64Array([1, 2, 3]).buffer });
    expect(Array.from(new Float64Array(first.summary))).toEqual([6, -1]);
    // The buffer came back whole; sent again, the worker's old reference to it is detached.
    expect(Array.from(new Float64Array(first.buffer))).toEqual([1, 2, 3]);
    const second = await pool.run({ buffer: first.buffer }, { transfer: [first.buffer] });
    expect(Array.from(new Float64Array(second.summary))).toEqual([6, 0]);
  });
});

describe('TypeScript worker modules', () => {
  it('runs a .ts worker module through tsx', async () => {
    await using pool = new WorkerPool<{ value: number }, number>({
      filename: fixture('triple.ts'),
      threads: 2,
    });
    expect(await collect(pool.map([1, 2, 3].map((value) => ({ value }))))).toEqual([3, 6, 9]);
  });
});

describe('WorkerPool options', () => {
  it('uses all available cores by default', async () => {
    const { availableParallelism } = await import('node:os');
    await using pool = new WorkerPool({ filename: fixture('digest.mjs') });
    expect(pool.threads).toBe(availableParallelism());
    expect(pool.options.maxInFlight).toBe(2 * availableParallelism());
  });

  it.each([
    [{ threads: 0 }, 'options.threads must be a positive integer (got 0)'],
    [{ threads: 1.5 }, 'options.threads must be a positive integer (got 1.5)'],
    [{ maxInFlight: -1 }, 'options.maxInFlight must be a positive integer (got -1)'],
    [{ filename: '' }, 'options.filename must be a path or file URL of the worker module'],
  ])('rejects %o', (options, message) => {
    const create = () => new WorkerPool({ filename: fixture('digest.mjs'), ...options });
    expect(create).toThrow(InvalidOptionError);
    expect(create).toThrow(message);
  });
});

describe('workerModule', () => {
  it('prefers the built .js beside the caller and falls back to the .ts source', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'prepkit-worker-module-'));
    try {
      const caller = pathToFileURL(join(dir, 'caller.js'));
      expect(fileURLToPath(workerModule(caller, 'task'))).toBe(join(dir, 'task.ts'));
      await writeFile(join(dir, 'task.js'), '');
      expect(fileURLToPath(workerModule(caller, 'task'))).toBe(join(dir, 'task.js'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
