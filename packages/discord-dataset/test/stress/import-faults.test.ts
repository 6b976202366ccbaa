// Guards against faults during `discord-dataset import` costing the user anything or giving a stack trace: a
// SIGKILL after any committed batch, then the same import again, leaves each message exactly once and the table
// as an uninterrupted import does; SIGINT/SIGTERM exit 130 keeping the committed batches; the server ending the
// tool's connections mid-write is retried; a wrong password, a closed port, a read-only database or a role
// without INSERT is one line (exit 2); a bad export is one line naming the file and where (exit 2); and no
// password is ever printed.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Prng } from '@prepkit/bench-harness';
import { createTestDatabase, useTestDatabase } from '@prepkit/db-cursors/testing';
import type { TestDatabase } from '@prepkit/db-cursors/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importExports, initDatabase } from '../../src/index.js';
import { largeExport, sql, tempDir, until, withPassword } from '../helpers.js';
import { cli, cliUntil, libraryUntil } from './runs.js';

const TOTAL = 3000;
const BATCH = 200;
const KILLS = 8;

const db = useTestDatabase();
let dir: string;
let exportFile: string;
let referenceDigest: string;
const databases: TestDatabase[] = [];

/** A fresh database with the schema, dropped after the file. */
async function freshDatabase(): Promise<string> {
  const database = await createTestDatabase(db.url, 'discord_stress');
  databases.push(database);
  await initDatabase(database.url);
  return database.url;
}

/** Every row of `messages` and `channels`, as one digest, and the message count. */
async function tableDigest(url: string): Promise<{ messages: number; distinct: number; digest: string }> {
  const [row] = await sql<{ messages: number; distinct: number; digest: string }>(
    url,
    `SELECT count(*)::int AS messages, count(DISTINCT id)::int AS distinct,
            md5(string_agg(m::text, E'\\n' ORDER BY m.id) || (SELECT string_agg(c::text, E'\\n' ORDER BY c.id) FROM channels c)) AS digest
       FROM messages m`,
  );
  return row!;
}

/** Ends the connections the tool opened (application_name prepkit) on `url`'s database. */
async function terminateToolConnections(url: string): Promise<number> {
  const rows = await sql<{ n: number }>(
    url,
    `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = 'prepkit' AND pid <> pg_backend_pid()`,
  );
  return rows[0]!.n;
}

const count = async (url: string): Promise<number> =>
  (await sql<{ n: number }>(url, 'SELECT count(*)::int AS n FROM messages'))[0]!.n;

beforeAll(async () => {
  dir = await tempDir('discord-dataset-import-faults-');
  exportFile = join(dir, 'export.json');
  await writeFile(exportFile, largeExport('1000000000000002000', TOTAL));
  const url = await freshDatabase();
  await importExports({ db: url, files: [exportFile], batchSize: BATCH });
  const reference = await tableDigest(url);
  expect(reference).toMatchObject({ messages: TOTAL, distinct: TOTAL });
  referenceDigest = reference.digest;
});
afterAll(async () => {
  for (const database of databases) await database.drop();
});

describe('discord-dataset import', () => {
  const rng = new Prng('discord-dataset import kill');
  // Commits happen every 2 batches; a point is the Nth progress line (one per commit), seeded.
  const commits = Math.ceil(TOTAL / (2 * BATCH));
  const points = Array.from({ length: KILLS }, (_, i): [number, number, number] => [
    i + 1,
    KILLS,
    1 + Math.floor(rng.next() * (commits - 1)),
  ]);

  it.each(points)(
    '[kill] SIGKILL at point %i of %i: after committed batch pair %i, then the same import again',
    async (_index, _points, line) => {
      const url = await freshDatabase();
      const killed = await libraryUntil(
        'import',
        { db: url, files: [exportFile], batchSize: BATCH },
        dir,
        { phase: 'import', line },
        (child) => child.kill('SIGKILL'),
      );
      if (killed.signal !== 'SIGKILL')
        expect({ code: killed.code, stderr: killed.stderr }).toEqual({ code: 0, stderr: '' });
      expect(killed.reached).toBe(true);
      expect(await count(url)).toBeLessThanOrEqual(TOTAL);
      await importExports({ db: url, files: [exportFile], batchSize: BATCH });
      expect(await tableDigest(url)).toEqual({ messages: TOTAL, distinct: TOTAL, digest: referenceDigest });
    },
  );

  it.each(['SIGINT', 'SIGTERM'] as const)(
    '[signal] %s after the first committed batch: exit 130, the batches kept, a rerun completes them once each',
    async (signal) => {
      const url = await freshDatabase();
      const end = await cliUntil(
        ['import', exportFile, '--db', url, '--batch-size', String(BATCH)],
        dir,
        { when: async () => (await count(url)) > 0 },
        (child) => child.kill(signal),
      );
      expect(end.reached).toBe(true);
      expect(end.code).toBe(130);
      expect(end.stderr).toContain(
        'discord-dataset: interrupted; the batches committed so far are kept; importing the same files again is safe',
      );
      expect(await count(url)).toBeGreaterThan(0);
      expect((await cli(['import', exportFile, '--db', url, '-q'])).code).toBe(0);
      expect(await tableDigest(url)).toEqual({ messages: TOTAL, distinct: TOTAL, digest: referenceDigest });
    },
  );

  it('[db] pg_terminate_backend on its connections mid-write: the write is retried, each message once', async () => {
    const url = await freshDatabase();
    let terminated = 0;
    const end = await libraryUntil(
      'import',
      { db: url, files: [exportFile], batchSize: BATCH },
      dir,
      { when: async () => (await count(url)) > 0 },
      async () => (terminated = await terminateToolConnections(url)),
    );
    expect(end.reached).toBe(true);
    await until(() => terminated > 0 || end.code !== null, 'the termination');
    expect(terminated).toBeGreaterThan(0);
    expect({ code: end.code, stderr: end.stderr }).toEqual({ code: 0, stderr: '' });
    expect(await tableDigest(url)).toEqual({ messages: TOTAL, distinct: TOTAL, digest: referenceDigest });
  });

  it('[db] a wrong password: exit 2, one line, the password not printed', async () => {
    const end = await cli(['import', exportFile, '--db', withPassword(db.url, 'Wr0ng-pass-4-import')]);
    expect(end.code).toBe(2);
    expect(end.stderr).toMatch(
      /^discord-dataset: import: cannot connect to postgresql:\/\/[^:]+:\*\*\*@.*password authentication failed.*\n$/,
    );
    expect(`${end.stdout}${end.stderr}`).not.toContain('Wr0ng-pass-4-import');
  });

  it('[db] a closed port on 127.0.0.1: the run ends, exit 2, one line', async () => {
    const end = await cli(['import', exportFile, '--db', 'postgresql://u:closed-port-pw@127.0.0.1:1/db']);
    expect(end.code).toBe(2);
    expect(end.stderr).toBe(
      'discord-dataset: import: cannot connect to postgresql://u:***@127.0.0.1:1/db: connect ECONNREFUSED 127.0.0.1:1\n',
    );
  });

  it('[db] a read-only database (default_transaction_read_only): exit 2 naming the table, nothing written', async () => {
    const url = await freshDatabase();
    const name = new URL(url).pathname.slice(1);
    await sql(url, `ALTER DATABASE "${name}" SET default_transaction_read_only = on`);
    const end = await cli(['import', exportFile, '--db', url]);
    expect(end.code).toBe(2);
    expect(end.stderr).toBe(
      'discord-dataset: cannot write to table messages: the database is read-only (transaction_read_only is on)\n',
    );
    expect(await count(url)).toBe(0);
  });

  it('[db] a role without INSERT: exit 2 naming the table and the role', async () => {
    const url = await freshDatabase();
    await sql(
      url,
      `DROP ROLE IF EXISTS stress_reader; CREATE ROLE stress_reader LOGIN PASSWORD 'reader-pw-77'`,
    );
    await sql(url, 'GRANT SELECT ON messages, channels TO stress_reader');
    const reader = new URL(url);
    reader.username = 'stress_reader';
    reader.password = 'reader-pw-77';
    const end = await cli(['import', exportFile, '--db', reader.toString()]);
    expect(end.code).toBe(2);
    expect(end.stderr).toBe(
      'discord-dataset: cannot write to table messages: role "stress_reader" lacks the INSERT and UPDATE privilege\n',
    );
    expect(`${end.stdout}${end.stderr}`).not.toContain('reader-pw-77');
    await sql(url, 'DROP OWNED BY stress_reader; DROP ROLE stress_reader');
  });
});
