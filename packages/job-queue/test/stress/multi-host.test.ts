// Guards the multi-machine promise of issue 16 without a second machine: three network namespaces,
// each joined to this one by a veth pair (its own addresses, 10.200.x.0/24), each run a worker process
// that reaches PostgreSQL only over its veth address. The embedded test server listens on 127.0.0.1
// only, so a TCP proxy in this process listens on the namespaces' host-side addresses and forwards to
// it. Needs root and iproute2 (`ip`); skipped otherwise.
import { execFileSync } from 'node:child_process';
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
import { TcpProxy } from './tcp-proxy.js';

const db = useTestDatabase();
const schema = 'multi_host';
const canNetns = process.getuid?.() === 0 && hasIp();
// Names and subnets unique to this process, so that two runs on one machine do not collide.
const tag = process.pid % 80;
const hosts = [0, 1, 2].map((i) => ({
  netns: `prepkit-q${tag}-${i}`,
  hostSide: `pq${tag}h${i}`,
  nsSide: `pq${tag}n${i}`,
  subnet: 3 * tag + i + 1,
}));

describe.skipIf(!queueSupported() || !canNetns)(
  'job-queue worker (root, iproute2 and Node 22.12+ only)',
  () => {
    let root: string;
    let queue: JobQueue;
    let proxy: TcpProxy;

    beforeAll(async () => {
      removeNamespaces();
      for (const host of hosts) {
        ip('netns', 'add', host.netns);
        ip('link', 'add', host.hostSide, 'type', 'veth', 'peer', 'name', host.nsSide);
        ip('link', 'set', host.nsSide, 'netns', host.netns);
        ip('addr', 'add', `10.200.${host.subnet}.1/24`, 'dev', host.hostSide);
        ip('link', 'set', host.hostSide, 'up');
        ip(
          'netns',
          'exec',
          host.netns,
          'ip',
          'addr',
          'add',
          `10.200.${host.subnet}.2/24`,
          'dev',
          host.nsSide,
        );
        ip('netns', 'exec', host.netns, 'ip', 'link', 'set', host.nsSide, 'up');
        ip('netns', 'exec', host.netns, 'ip', 'link', 'set', 'lo', 'up');
      }
      proxy = new TcpProxy(
        db.url,
        hosts.map((host) => `10.200.${host.subnet}.1`),
      );
      await proxy.start();
      root = await mkdtemp(join(tmpdir(), 'prepkit-job-queue-hosts-'));
      queue = await openQueue(db.url, { ...TEST_QUEUE_OPTIONS, schema });
    });

    afterAll(async () => {
      await killWorkers();
      await proxy?.close();
      await queue?.close();
      removeNamespaces();
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
      const workers = hosts.map((host) =>
        spawnWorker(proxy.urlFor(db.url, `10.200.${host.subnet}.1`), schema, { netns: host.netns }),
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

function hasIp(): boolean {
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
}

/** Deleting a namespace deletes its veth end, and with it the pair. */
function removeNamespaces(): void {
  for (const host of hosts) {
    try {
      ip('netns', 'delete', host.netns);
    } catch {
      // not there
    }
    try {
      ip('link', 'delete', host.hostSide);
    } catch {
      // gone with the namespace
    }
  }
}
