// Guards issue 16's promise that workers ride out a PostgreSQL restart: the server of this test (its
// own, apart from the run's shared one) is stopped and started again while one worker holds a shard
// and others wait for jobs. Every worker reconnects, the run finishes, the output is byte-identical to
// an undisturbed run and every shard is counted once.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '@prepkit/db-cursors/testing';
import type { TestPostgres } from '@prepkit/db-cursors/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openQueue, queueSupported, runStatus, runWorker, submitRun } from '../../src/index.js';
import type { JobQueue } from '../../src/index.js';
import { TEST_QUEUE_OPTIONS } from '../fixtures/queue-options.js';
import { toyRun } from '../fixtures/toy-run.js';
import type { ToyConfig } from '../fixtures/toy-run.js';
import { killWorkers, manifestOutputs, outputFiles, spawnWorker } from '../helpers.js';

const schema = 'restart';

describe.skipIf(!queueSupported())('job-queue worker', () => {
  let root: string;
  let server: TestPostgres;
  let queue: JobQueue;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'prepkit-job-queue-restart-'));
    server = await startEmbeddedPostgres();
    queue = await openQueue(server.url, { ...TEST_QUEUE_OPTIONS, schema });
  });

  afterAll(async () => {
    await killWorkers();
    await queue?.close({ graceful: false });
    await server?.stop();
    await rm(root, { recursive: true, force: true });
  });

  async function toyConfig(name: string, extra: Partial<ToyConfig> = {}): Promise<ToyConfig> {
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    return { dir, items: 4000, shards: 4, ...extra };
  }

  it('[db] PostgreSQL restarted mid-run: the workers reconnect and finish, same bytes, each shard counted once', async () => {
    const reference = await toyConfig('reference');
    await submitRun(queue, toyRun, reference);
    await runWorker(queue, [toyRun], { exitWhenIdle: true });

    const config = await toyConfig('restarted', { holdShard: 1 });
    const { runId } = await submitRun(queue, toyRun, config);
    const workers = [spawnWorker(server.url, schema), spawnWorker(server.url, schema)];
    // Both workers running first: this case is a restart in the middle of a run, not during a worker's start.
    await Promise.all(workers.map((worker) => worker.waitFor((line) => 'ready' in line)));
    const holder = await Promise.race(
      workers.map((worker) =>
        worker.waitFor((line) => line.type === 'start' && line.step === 1).then(() => worker),
      ),
    );
    while (!existsSync(join(config.dir, `held-1-${holder.child.pid}`))) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await server.restart();
    // The held shard goes on only now, so its completion needs the restarted server.
    await writeFile(join(config.dir, 'release'), '');
    for (const worker of workers) {
      const { code } = await worker.exited;
      expect(code, worker.stderr.join('')).toBe(0);
    }
    expect(await outputFiles(config.dir)).toEqual(await outputFiles(reference.dir));
    expect(await manifestOutputs(config.dir)).toEqual(await manifestOutputs(reference.dir));
    const [run] = (await runStatus(queue, { runId })).runs;
    expect(run).toMatchObject({
      state: 'done',
      shardStates: { done: 4, queued: 0, running: 0, failed: 0 },
      result: { files: 4, records: 4000 },
    });
    const done = workers.flatMap((worker) => worker.lines.filter((line) => line.type === 'done'));
    expect(done.filter((line) => typeof line.step === 'number')).toHaveLength(4);
  });
});
