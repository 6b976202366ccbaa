// Guards the multi-machine promise of issue 16 without a second machine: three network namespaces
// (`NetworkHosts`), each joined to this one by a veth pair, each run a worker process that reaches
// PostgreSQL only over its veth address. Needs root and iproute2 (`ip`); skipped otherwise.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openQueue, queueSupported, runStatus, runWorker, submitRun } from '../../src/index.js';
import type { JobQueue } from '../../src/index.js';
import { TEST_QUEUE_OPTIONS } from '../fixtures/queue-options.js';
import { toyRun } from '../fixtures/toy-run.js';
import { killWorkers, manifestOutputs, outputFiles, spawnWorker } from '../helpers.js';
import { NetworkHosts, canRunNetworkHosts } from '../../src/testing/index.js';

const db = useTestDatabase();
const schema = 'multi_host';
const canNetns = canRunNetworkHosts();

describe.skipIf(!queueSupported() || !canNetns)(
  'job-queue worker (root, iproute2 and Node 22.12+ only)',
  () => {
    let root: string;
    let queue: JobQueue;
    let network: NetworkHosts;

    beforeAll(async () => {
      network = await NetworkHosts.start(db.url, 3);
      root = await mkdtemp(join(tmpdir(), 'prepkit-job-queue-hosts-'));
      queue = await openQueue(db.url, { ...TEST_QUEUE_OPTIONS, schema });
    });

    afterAll(async () => {
      await killWorkers();
      await network?.close();
      await queue?.close();
      if (root !== undefined) await rm(root, { recursive: true, force: true });
    });

    it('runs one job graph on workers in three network namespaces, each over its own veth address', async () => {
      const alone = join(root, 'one-host');
      const spread = join(root, 'three-hosts');
      await mkdir(alone, { recursive: true });
      await mkdir(spread, { recursive: true });
      await submitRun(queue, toyRun, { dir: alone, items: 6000, shards: 6 });
      await runWorker(queue, [toyRun], { exitWhenIdle: true });

      // A namespace cannot reach 127.0.0.1 of this one: only its veth address leads to the database.
      const { runId } = await submitRun(queue, toyRun, { dir: spread, items: 6000, shards: 6 });
      const workers = network.hosts.map((host) =>
        spawnWorker(host.databaseUrl, schema, { netns: host.netns }),
      );
      for (const worker of workers) {
        const { code } = await worker.exited;
        expect(code, worker.stderr.join('')).toBe(0);
      }
      expect((await runStatus(queue, { runId })).runs[0]).toMatchObject({ state: 'done' });
      expect(await outputFiles(spread)).toEqual(await outputFiles(alone));
      expect(await manifestOutputs(spread)).toEqual(await manifestOutputs(alone));
      const steps = workers.flatMap((worker) => worker.lines.filter((line) => line.type === 'done'));
      expect(steps).toHaveLength(1 + 6 + 1);
    });
  },
);
