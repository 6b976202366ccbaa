// Issue 16's promise: PostgreSQL, which holds the messages (and the job queue), restarted while they are read.
// One machine: prepare reads them again once the server is back, exit 0, the same bytes. Queued: the workers
// reconnect and exit 0, the run is done, the output is the single-machine run's bytes and every shard is done
// once. The server is this test's own (startEmbeddedPostgres), apart from the one the whole test run shares.
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres } from '@prepkit/db-cursors/testing';
import type { TestPostgres } from '@prepkit/db-cursors/testing';
import { queueSupported } from '@prepkit/job-queue';
import { verify } from '@prepkit/record-io';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToDatabase, initDatabase, prepareDiscordDataset } from '../../src/index.js';
import { cli, queueFlags, startWorker } from '../cluster-helpers.js';
import type { Spawner, WorkerProcess } from '../cluster-helpers.js';
import { sha256, sql, tempDir, until } from '../helpers.js';
import { cliUntil } from './runs.js';

const SHARDS = 3;
const BIN = fileURLToPath(new URL('../../bin/discord-dataset.js', import.meta.url));

/** The built CLI (bin -> dist, what users run; `npm run build` first) instead of the source entry through tsx. */
const built: Spawner = (command, args, options) =>
  spawn(command, [BIN, ...args.slice(args.indexOf('worker'))], options);

let server: TestPostgres;
let dir: string;
const reference = (split: string): string => join(dir, 'reference', `${split}.jsonl`);

beforeAll(async () => {
  dir = await tempDir('discord-dataset-restart-');
  server = await startEmbeddedPostgres();
  // The messages live on the restarted server too: the restart interrupts a read of them.
  await initDatabase(server.url);
  await generateToDatabase({ db: server.url, messages: 30_000, channels: 4, seed: 'restart-stress' });
  await prepareDiscordDataset({
    db: server.url,
    train: reference('train'),
    valid: reference('valid'),
    validFraction: 0.2,
    threads: 1,
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

/**
 * Holds an exclusive lock on `messages` until the server goes down: a read of them that starts from now on
 * (or queues behind one in flight) stays in flight, so the restart surely falls in the middle of it.
 */
async function lockMessages(): Promise<{
  granted: Promise<unknown>;
  released: Promise<unknown>;
  end(): Promise<void>;
}> {
  const lock = new pg.Client({ connectionString: server.url });
  const released = new Promise((resolve) => {
    lock.on('error', resolve);
    lock.on('end', () => resolve(undefined));
  });
  await lock.connect();
  // Behind a read in flight it is granted only once that read ends, so a shard's caller does not wait for it.
  const granted = lock.query('BEGIN; LOCK TABLE messages IN ACCESS EXCLUSIVE MODE').catch(() => undefined);
  return { granted, released, end: () => lock.end().catch(() => undefined) };
}

/** The event: a statement of the tool on messages waiting on the lock (the queue's application_name is prepkit-job-queue). */
async function readWaiting(): Promise<boolean> {
  const [row] = await sql<{ n: number }>(
    server.url,
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE application_name = 'prepkit' AND wait_event_type = 'Lock' AND query ILIKE '%messages%'`,
  );
  return row!.n > 0;
}

async function sameBytes(out: string): Promise<void> {
  for (const split of ['train', 'valid']) {
    expect(await sha256(join(out, `${split}.jsonl`)), split).toBe(await sha256(reference(split)));
  }
  expect((await verify(out)).ok).toBe(true);
}

describe('discord-dataset prepare', () => {
  it('[db] PostgreSQL restarted while the messages are read: read again once the server is back, exit 0, same bytes', async () => {
    const out = join(dir, 'plain');
    const lock = await lockMessages();
    await lock.granted;
    let restarted: Promise<unknown> = Promise.resolve();
    const end = await cliUntil(
      [
        'prepare',
        join(out, 'train.jsonl'),
        join(out, 'valid.jsonl'),
        ...['--valid-fraction', '0.2', '--threads', '1', '-q', '--db', server.url],
      ],
      out,
      { when: readWaiting },
      () => (restarted = server.restart().then(() => lock.released)),
    ).finally(() => lock.end());
    await restarted;
    expect(end.reached, end.stderr).toBe(true);
    expect({ code: end.code, stderr: end.stderr }).toEqual({ code: 0, stderr: '' });
    await sameBytes(out);
  }, 60_000);
});

describe.skipIf(!queueSupported())('discord-dataset worker', () => {
  let queue: string[];
  const workers: WorkerProcess[] = [];

  beforeAll(() => {
    queue = ['--db', server.url, ...queueFlags('discord_restart_stress')];
  });

  afterAll(() => {
    for (const worker of workers) worker.child.kill('SIGKILL');
  });

  it('[db] PostgreSQL restarted while a shard reads the messages: read again, the workers reconnect and exit 0, the run is done, same bytes, each shard done once', async () => {
    const out = join(dir, 'restarted');
    const submitted = await cli(
      'submit',
      join(out, 'train.jsonl'),
      join(out, 'valid.jsonl'),
      ...['--valid-fraction', '0.2', '--threads', '1', '--shards', String(SHARDS), '--merge', '-q'],
      ...queue,
    );
    expect(submitted.code, submitted.stderr).toBe(0);
    const runId = submitted.stdout.trim();
    workers.push(
      startWorker(['--exit-when-idle', ...queue], {}, built),
      startWorker(['--exit-when-idle', ...queue], {}, built),
    );
    const log = (): string => workers.map((worker) => worker.stderr()).join('\n');

    // Both workers are connected before the restart (one still opening its queue would exit 2, as it should), and
    // the lock waits for a shard to start, since the plan reads the messages too.
    await until(
      () =>
        workers.every((worker) => worker.stderr().includes('worker: ready')) &&
        new RegExp(`${runId} shard \\d+ start`).test(log()),
      'both workers ready and a shard started',
    );
    const lock = await lockMessages();
    try {
      await until(readWaiting, "a shard's read of messages waiting on the lock");
      await server.restart();
      await lock.released;
    } finally {
      await lock.end();
    }

    for (const worker of workers) expect(await worker.exited, log()).toBe(0);
    await sameBytes(out);
    const status = await cli('status', '--run', runId, ...queue);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(
      `${runId}  done  shards ${SHARDS}: ${SHARDS} done, 0 running, 0 queued, 0 failed`,
    );
    // Each shard's work ended once, by one worker.
    const done = [...log().matchAll(new RegExp(`${runId} shard (\\d+) done`, 'g'))].map((m) => Number(m[1]));
    expect(done.sort((a, b) => a - b)).toEqual([0, 1, 2]);
  }, 60_000);
});
