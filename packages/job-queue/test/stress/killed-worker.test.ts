// Guards the promise of issue 16 that a shard run is at-least-once but counted once: a worker killed
// (SIGKILL: no clean-up) or stopped (SIGTERM) in the middle of a shard leaves the shard to another
// worker, the output is byte-identical to an undisturbed run and the commit counts every shard once.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openQueue, queueSupported, runStatus, runWorker, submitRun } from '../../src/index.js';
import type { JobQueue } from '../../src/index.js';
import { TEST_QUEUE_OPTIONS } from '../fixtures/queue-options.js';
import { toyRun } from '../fixtures/toy-run.js';
import type { ToyConfig } from '../fixtures/toy-run.js';
import { killWorkers, manifestOutputs, outputFiles, spawnWorker } from '../helpers.js';

const db = useTestDatabase();
const schema = 'killed_worker';

describe.skipIf(!queueSupported())('job-queue worker', () => {
  let root: string;
  let queue: JobQueue;
  let reference: ToyConfig;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'prepkit-job-queue-kill-'));
    queue = await openQueue(db.url, { ...TEST_QUEUE_OPTIONS, schema });
    reference = await toyConfig('reference');
    await submitRun(queue, toyRun, reference);
    await runWorker(queue, [toyRun], { exitWhenIdle: true });
  });

  afterAll(async () => {
    await killWorkers();
    await queue?.close();
    await rm(root, { recursive: true, force: true });
  });

  async function toyConfig(name: string, extra: Partial<ToyConfig> = {}): Promise<ToyConfig> {
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    return { dir, items: 4000, shards: 4, ...extra };
  }

  async function expectSameAsReference(config: ToyConfig, runId: string): Promise<void> {
    expect(await outputFiles(config.dir)).toEqual(await outputFiles(reference.dir));
    expect(await manifestOutputs(config.dir)).toEqual(await manifestOutputs(reference.dir));
    const status = await runStatus(queue, { runId });
    expect(status.runs[0]).toMatchObject({ state: 'done', result: { files: 4, records: 4000 } });
    expect(status.runs[0]!.shardDetails!.map((shard) => shard.attempts)).toEqual([1, 2, 1, 1]);
  }

  it('[kill] a worker SIGKILLed mid-shard: another worker reruns the shard, same bytes, each shard counted once', async () => {
    const config = await toyConfig('sigkill', { holdShard: 1 });
    const { runId } = await submitRun(queue, toyRun, config);
    const doomed = spawnWorker(db.url, schema, { exitWhenIdle: false });
    await doomed.waitFor((line) => line.type === 'start' && line.step === 1);
    await waitForFile(config.dir, `held-1-${doomed.child.pid}`, doomed);
    doomed.child.kill('SIGKILL');
    expect((await doomed.exited).signal).toBe('SIGKILL');
    // The rescuer takes the other shards at once and shard 1 when its heartbeat has lapsed.
    const rescuer = spawnWorker(db.url, schema);
    expect((await rescuer.exited).code).toBe(0);
    expect(rescuer.lines).toContainEqual(expect.objectContaining({ type: 'done', step: 1, attempt: 2 }));
    await expectSameAsReference(config, runId);
  });

  it('[signal] SIGTERM releases the shard in hand and the worker exits 0; another worker finishes the run', async () => {
    const config = await toyConfig('sigterm', { holdShard: 1 });
    const { runId } = await submitRun(queue, toyRun, config);
    const stopped = spawnWorker(db.url, schema, { exitWhenIdle: false });
    await stopped.waitFor((line) => line.type === 'start' && line.step === 1);
    await waitForFile(config.dir, `held-1-${stopped.child.pid}`, stopped);
    stopped.child.kill('SIGTERM');
    expect((await stopped.exited).code).toBe(0);
    expect(stopped.lines).toContainEqual(expect.objectContaining({ type: 'released', step: 1 }));
    expect(stopped.lines.find((line) => 'exit' in line)).toMatchObject({
      exit: { reason: 'stopped', released: 1 },
    });
    // The stop did not use up one of the shard's retries.
    const [job] = await queue.boss.findJobs('toy.shard', { key: `${runId}:1` });
    expect(job).toMatchObject({ state: 'retry', retryLimit: TEST_QUEUE_OPTIONS.retryLimit! + 1 });
    const finisher = spawnWorker(db.url, schema);
    expect((await finisher.exited).code).toBe(0);
    await expectSameAsReference(config, runId);
  });
});

/** Resolves once `name` exists in `dir`, polling; rejects if the worker exits first. */
async function waitForFile(dir: string, name: string, worker: { exited: Promise<unknown> }): Promise<void> {
  let exited = false;
  void worker.exited.then(() => (exited = true));
  while (!existsSync(join(dir, name))) {
    if (exited) throw new Error(`the worker exited before writing ${name}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
