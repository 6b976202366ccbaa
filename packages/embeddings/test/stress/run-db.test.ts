// Guards against a database fault costing rows, doubling them or crashing a run: the server ends a run's
// connections (pg_terminate_backend) while it claims rows, while it writes vectors, while it records failed
// rows, or between statements, and the run must carry on and end as an uninterrupted run does; a write the
// server ends every time fails with one line and a rerun completes. A wrong password and a closed port fail
// with one line (exit 2). To catch a statement mid-way, the test holds a lock the statement waits for, and
// terminates the backend once pg_stat_activity shows it waiting.
import pg from 'pg';
import { freePort, useTestDatabase } from '@prepkit/db-cursors/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../helpers.js';
import { ROWS, poll, runFixture } from './run-fixture.js';
import type { RunFixture } from './run-fixture.js';

const db = useTestDatabase();
let f: RunFixture;

beforeAll(async () => {
  f = await runFixture(db.url);
});
afterAll(async () => {
  await f?.close();
});

/** The pid of a backend of the run that waits on a lock while running a statement matching `pattern`. */
async function blockedBackend(pattern: string, exited: () => boolean): Promise<number | undefined> {
  for (;;) {
    const { rows } = await f.watcher.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE application_name = 'prepkit-embeddings' AND wait_event_type = 'Lock' AND query ILIKE $1`,
      [pattern],
    );
    if (rows[0] !== undefined) return rows[0].pid;
    if (exited()) return undefined;
    await poll();
  }
}

async function waitForEmbedded(table: string, rows: number): Promise<void> {
  while ((await f.embedded(table)) < rows) await poll();
}

/**
 * Starts a run, lets it embed a quarter of the table, then locks `lockTable` in `mode` until a statement of the
 * run matching `pattern` waits for it, and terminates that backend `times` times (each retry waits again).
 */
async function terminateWhileBlocked(
  table: string,
  lock: { table: string; mode: string; pattern: string; times: number },
): Promise<{ code: number | null; stderr: string; terminated: number }> {
  await f.table(table);
  const child = f.start(table);
  let exited = false;
  void child.exit.then(() => (exited = true));
  await waitForEmbedded(table, ROWS / 4);
  // The lock is held by a connection of its own: pg_stat_activity, read inside a transaction, would show
  // the same snapshot every time.
  const locker = new pg.Client(db.url);
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query(`LOCK TABLE ${lock.table} IN ${lock.mode} MODE`);
  let terminated = 0;
  try {
    while (terminated < lock.times) {
      const pid = await blockedBackend(lock.pattern, () => exited);
      if (pid === undefined) break;
      await f.watcher.query('SELECT pg_terminate_backend($1)', [pid]);
      terminated++;
    }
  } finally {
    await locker.query('COMMIT');
    await locker.end();
  }
  const result = await child.exit;
  return { code: result.code, stderr: result.stderr, terminated };
}

describe('embeddings run', () => {
  it.each(
    [
      {
        fault: 'while it claims rows',
        table: 'claims_cut',
        lock: {
          table: 'claims_cut_embedding_claims',
          mode: 'EXCLUSIVE',
          pattern: '%INSERT INTO%claims_cut_embedding_claims%',
        },
      },
      {
        fault: 'while it writes vectors',
        table: 'write_cut',
        lock: { table: 'write_cut', mode: 'SHARE', pattern: 'UPDATE%write_cut%' },
      },
      {
        fault: 'while it records failed rows',
        table: 'errors_cut',
        lock: {
          table: 'errors_cut_embedding_errors',
          mode: 'EXCLUSIVE',
          pattern: 'INSERT INTO%errors_cut_embedding_errors%',
        },
      },
    ].map((c) => [c.fault, c] as const),
  )(
    '[db] pg_terminate_backend %s: the run goes on and ends as an uninterrupted run',
    async (_, { table, lock }) => {
      const result = await terminateWhileBlocked(table, { ...lock, times: 1 });
      expect(result.terminated).toBe(1);
      expect(result.code, result.stderr).toBe(0);
      await f.expectFinishedLikeReference(table);
    },
  );

  it('[db] pg_terminate_backend of the claiming connection between statements: the run goes on', async () => {
    const table = 'idle_cut';
    await f.table(table);
    const child = f.start(table);
    await waitForEmbedded(table, ROWS / 3);
    const owners = await f.watcher.query<{ pid: number }>(
      `SELECT DISTINCT owner_pid AS pid FROM ${table}_embedding_claims`,
    );
    for (const { pid } of owners.rows) await f.watcher.query('SELECT pg_terminate_backend($1)', [pid]);
    const result = await child.exit;
    expect(result.code, result.stderr).toBe(0);
    await f.expectFinishedLikeReference(table);
  });

  it('[db] the server ends every attempt of a write: one line saying so, exit 2, and a rerun completes', async () => {
    const table = 'write_refused';
    const result = await terminateWhileBlocked(table, {
      table,
      mode: 'SHARE',
      pattern: 'UPDATE%write_refused%',
      times: 100,
    });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(
      /^embeddings: embeddings run \(write_refused\): writing vectors: the server closed the connection \(\d+ rows committed are kept; a new run finishes the rest\)$/m,
    );
    // Progress lines (every 2 s on stderr, also with --json) may come before it; the error is one line.
    expect(
      result.stderr.split('\n').filter((line) => line.startsWith('embeddings:')),
      result.stderr,
    ).toHaveLength(1);
    await f.expectFinishedLikeReference(table);
  });

  it('[db] a wrong password: exit 2, one line, the password never printed', async () => {
    const url = new URL(db.url);
    url.password = 'not-the-password-8d1f';
    const result = await startCli(f.runArgs('reference'), url.href).exit;
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^embeddings: embeddings run \(reference\): cannot connect: password authentication failed/,
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr + result.stdout).not.toContain('not-the-password-8d1f');
  });

  it('[db] an unreachable server (a closed port on 127.0.0.1): exit 2 and one line, promptly', async () => {
    const port = await freePort();
    const url = new URL(db.url);
    url.port = String(port);
    const result = await startCli(f.runArgs('reference'), url.href).exit;
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `embeddings: embeddings run (reference): cannot connect: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    );
  });
});
