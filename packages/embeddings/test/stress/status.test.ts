// Guards against `embeddings status` failing on a connection the server ends while it reads (it only reads, so
// it reads again on a new connection), and against a wrong password or a closed port printing more than one
// line or the password.
import { createServer } from 'node:net';
import pg from 'pg';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTexts } from '../../src/generate.js';
import { startCli } from '../helpers.js';
import { poll } from './run-fixture.js';

const db = useTestDatabase();
let watcher: pg.Client;

beforeAll(async () => {
  watcher = new pg.Client(db.url);
  await watcher.connect();
  await generateTexts({ db: db.url, table: 'docs', rows: 500, seed: 'status' });
});
afterAll(async () => {
  await watcher?.end();
});

describe('embeddings status', () => {
  it('[db] pg_terminate_backend while it counts: it reads again and prints the counts', async () => {
    // The lock is held by a connection of its own: pg_stat_activity, read inside a transaction, would show
    // the same snapshot every time.
    const locker = new pg.Client(db.url);
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE docs IN ACCESS EXCLUSIVE MODE');
    const child = startCli(['status', '--table', 'docs', '--json'], db.url);
    let terminated = 0;
    try {
      // Waits for the count to wait on the lock, then ends its connection once.
      while (terminated === 0) {
        const { rows } = await watcher.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
            WHERE application_name = 'prepkit-embeddings' AND wait_event_type = 'Lock' AND query ILIKE '%count(*)%'`,
        );
        if (rows[0] !== undefined) {
          await watcher.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
          terminated++;
        } else await poll();
      }
    } finally {
      await locker.query('COMMIT');
      await locker.end();
    }
    const result = await child.exit;
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ total: 500, embedded: 0, pending: 500 });
  });

  it('[db] a wrong password: exit 2, one line, the password never printed', async () => {
    const url = new URL(db.url);
    url.password = 'wrong-status-password-31';
    const result = await startCli(['status', '--table', 'docs'], url.href).exit;
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^embeddings: embeddings status \(docs\): cannot connect: password authentication failed[^\n]*\n$/,
    );
    expect(result.stdout + result.stderr).not.toContain('wrong-status-password-31');
  });

  it('[db] a closed port on 127.0.0.1: exit 2 and one line', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const url = new URL(db.url);
    url.port = String(port);
    const result = await startCli(['status', '--table', 'docs'], url.href).exit;
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `embeddings: embeddings status (docs): cannot connect: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    );
  });

  it('[secrets] the password appears in nothing status prints, succeeding or failing', async () => {
    const password = decodeURIComponent(new URL(db.url).password);
    const ok = await startCli(['status', '--table', 'docs'], db.url).exit;
    const failing = await startCli(['status', '--table', 'nope'], db.url).exit;
    expect(ok.code).toBe(0);
    expect(failing.code).toBe(2);
    for (const output of [ok, failing]) expect(output.stdout + output.stderr).not.toContain(password);
  });
});
