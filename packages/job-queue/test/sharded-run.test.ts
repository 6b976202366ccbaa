import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openQueue, queueSupported, runStatus, runWorker, submitRun } from '../src/index.js';
import type { JobQueue } from '../src/index.js';
import { TEST_QUEUE_OPTIONS } from './fixtures/queue-options.js';
import { toyRun } from './fixtures/toy-run.js';
import type { ToyConfig } from './fixtures/toy-run.js';
import { killWorkers, manifestOutputs, outputFiles, spawnWorker } from './helpers.js';

const supported = queueSupported();
const db = useTestDatabase();

describe.skipIf(!supported)('sharded runs on pg-boss (skipped: pg-boss needs Node 22.12+)', () => {
  let root: string;
  let queue: JobQueue;
  const schema = 'toy_queue';

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'prepkit-job-queue-'));
    queue = await openQueue(db.url, { ...TEST_QUEUE_OPTIONS, schema });
  });

  afterAll(async () => {
    await killWorkers();
    await queue?.close();
    await rm(root, { recursive: true, force: true });
  });

  async function config(name: string, extra: Partial<ToyConfig> = {}): Promise<ToyConfig> {
    const dir = join(root, name);
    await mkdtemp(dir).catch(() => undefined);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dir, { recursive: true });
    return { dir, items: 3000, shards: 5, ...extra };
  }

  it('plans, runs every shard and commits, in one worker; a repeated submit is the same run', async () => {
    const toy = await config('in-process');
    const first = await submitRun(queue, toyRun, toy);
    const again = await submitRun(queue, toyRun, toy);
    expect(again).toEqual({ runId: first.runId, created: false });
    const report = await runWorker(queue, [toyRun], { exitWhenIdle: true, concurrency: 2 });
    expect(report).toMatchObject({ reason: 'idle', failed: 0, released: 0, done: 1 + 5 + 1 });
    const status = await runStatus(queue, { runId: first.runId });
    expect(status.runs[0]).toMatchObject({
      state: 'done',
      shards: 5,
      shardStates: { done: 5, queued: 0, running: 0, failed: 0 },
      result: { files: 5, records: 3000 },
    });
    expect(status.runs[0]!.shardDetails!.map((shard) => shard.attempts)).toEqual([1, 1, 1, 1, 1]);
    expect(existsSync(join(toy.dir, 'manifest.json'))).toBe(true);
  });

  it('gives identical output with 1 and with 3 worker processes', async () => {
    const one = await config('one-worker');
    const three = await config('three-workers');
    await submitRun(queue, toyRun, one);
    const single = spawnWorker(db.url, schema);
    expect((await single.exited).code).toBe(0);
    await submitRun(queue, toyRun, three);
    const workers = [0, 1, 2].map(() => spawnWorker(db.url, schema));
    for (const worker of workers) expect((await worker.exited).code).toBe(0);
    expect(await outputFiles(three.dir)).toEqual(await outputFiles(one.dir));
    expect(await manifestOutputs(three.dir)).toEqual(await manifestOutputs(one.dir));
    const shardsRun = workers.map(
      (worker) => worker.lines.filter((line) => line.type === 'done' && typeof line.step === 'number').length,
    );
    expect(shardsRun.reduce((a, b) => a + b, 0)).toBe(5);
  });

  it('sends a shard that fails on bad input straight to the dead-letter queue; status names the error; no manifest', async () => {
    const toy = await config('bad-input', { failShard: 2 });
    const { runId } = await submitRun(queue, toyRun, toy);
    const report = await runWorker(queue, [toyRun], { exitWhenIdle: true });
    expect(report.reason).toBe('idle');
    const status = await runStatus(queue, { runId });
    expect(status.runs[0]).toMatchObject({
      state: 'failed',
      error: 'shard 2: items.jsonl:7: item 7 of shard 2 is malformed',
    });
    expect(status.runs[0]!.shardDetails![2]).toMatchObject({ state: 'failed', attempts: 1 });
    expect(status.deadLetters).toEqual([
      expect.objectContaining({
        runId,
        step: '2',
        attempts: 1,
        error: 'items.jsonl:7: item 7 of shard 2 is malformed',
      }),
    ]);
    expect(existsSync(join(toy.dir, 'manifest.json'))).toBe(false);
  });

  it('retries a shard that crashes, then dead-letters it once its retries are spent', async () => {
    const toy = await config('crash', { failShard: 0, failKind: 'internal' });
    const { runId } = await submitRun(queue, toyRun, toy);
    const events: string[] = [];
    await runWorker(queue, [toyRun], {
      exitWhenIdle: true,
      onEvent: (event) => {
        if (event.step === 0 && event.type !== 'start') events.push(`${event.type}:${event.attempt}`);
      },
    });
    expect(events).toEqual(['retry:1', 'retry:2', 'failed:3']);
    const status = await runStatus(queue, { runId });
    expect(status.runs[0]).toMatchObject({ state: 'failed', error: 'shard 0: toy shard 0 crashed' });
    expect(status.deadLetters).toEqual([expect.objectContaining({ runId, step: '0', attempts: 3 })]);
    expect(existsSync(join(toy.dir, 'manifest.json'))).toBe(false);
  });
});
