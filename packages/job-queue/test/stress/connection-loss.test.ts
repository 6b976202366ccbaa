// Guards against a worker that dies or hangs when PostgreSQL goes away (a restart, a failover, a
// network cut): every connection of a running worker is terminated by the server and new ones are
// refused for a while, as in a restart; the worker must reconnect by itself and finish a run
// submitted after the cut.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openQueue, queueSupported, runStatus, submitRun } from '../../src/index.js';
import type { JobQueue } from '../../src/index.js';
import { TEST_QUEUE_OPTIONS } from '../fixtures/queue-options.js';
import { toyRun } from '../fixtures/toy-run.js';
import { killWorkers, spawnWorker } from '../helpers.js';
import { TcpProxy } from '../../src/testing/index.js';

const db = useTestDatabase();
const schema = 'connection_loss';

describe.skipIf(!queueSupported())('job-queue worker', () => {
  let root: string;
  let queue: JobQueue;
  let proxy: TcpProxy;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'prepkit-job-queue-db-'));
    queue = await openQueue(db.url, { ...TEST_QUEUE_OPTIONS, schema });
    proxy = new TcpProxy(db.url);
    await proxy.start();
  });

  afterAll(async () => {
    await killWorkers();
    await proxy?.close();
    await queue?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('[db] reconnects after its connections are terminated and refused for a while, then finishes a run', async () => {
    const password = new URL(db.url).password;
    const worker = spawnWorker(proxy.urlFor(db.url, '127.0.0.1'), schema, { exitWhenIdle: false });
    await worker.waitFor((line) => 'ready' in line);
    // The server ends the worker's sessions (as a fast shutdown does), then refuses connections.
    const ports = proxy.upstreamPorts();
    expect(ports.length).toBeGreaterThan(0);
    await terminateConnections(db.url, ports);
    await proxy.cut();
    // pg-boss reports the lost connections and keeps trying; only then does the server come back.
    await worker.waitFor((line) => 'error' in line);
    await proxy.restore();
    const dir = join(root, 'after-cut');
    await mkdir(dir, { recursive: true });
    const { runId } = await submitRun(queue, toyRun, { dir, items: 2000, shards: 3 });
    await worker.waitFor((line) => line.type === 'done' && line.step === 'commit' && line.runId === runId);
    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    expect((await runStatus(queue, { runId })).runs[0]).toMatchObject({ state: 'done' });
    const printed = JSON.stringify(worker.lines) + worker.stderr.join('');
    expect(printed).not.toContain(password);
  });
});

/** What a fast shutdown does to clients: their backends are terminated (here only the worker's). */
async function terminateConnections(url: string, clientPorts: number[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND client_port = ANY($1::int[])`,
      [clientPorts],
    );
  } finally {
    await client.end();
  }
}
