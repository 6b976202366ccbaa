import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { quoteIdentifier } from '../src/index.js';
import { startEmbeddedPostgres, startTestPostgres, useTestDatabase } from '../src/testing/index.js';

const db = useTestDatabase();

async function query<R extends pg.QueryResultRow>(
  url: string,
  sql: string,
  values?: unknown[],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

describe('useTestDatabase', () => {
  it('gives this file a fresh, empty database of its own', async () => {
    const [row] = await query<{ name: string; tables: string }>(
      db.url,
      "SELECT current_database() AS name, (SELECT count(*) FROM pg_tables WHERE schemaname = 'public') AS tables",
    );
    expect(row!.name).toMatch(/^prepkit_test_\d+_[0-9a-f]{8}$/);
    expect(row!.tables).toBe('0');
    expect(new URL(db.url).pathname).toBe(`/${row!.name}`);
  });

  it('runs real SQL: a recursive CTE over a reply chain', async () => {
    await query(db.url, 'CREATE TABLE messages (id bigint PRIMARY KEY, parent bigint)');
    await query(db.url, 'INSERT INTO messages VALUES (1, NULL), (2, 1), (3, 2), (4, 1)');
    const rows = await query<{ id: string; depth: number }>(
      db.url,
      `WITH RECURSIVE chain AS (
         SELECT id, 0 AS depth FROM messages WHERE parent IS NULL
         UNION ALL SELECT m.id, c.depth + 1 FROM messages m JOIN chain c ON m.parent = c.id)
       SELECT id, depth FROM chain ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: '1', depth: 0 },
      { id: '2', depth: 1 },
      { id: '3', depth: 2 },
      { id: '4', depth: 1 },
    ]);
  });

  it('quotes hostile identifiers so that they are only names', async () => {
    await query(db.url, 'CREATE TABLE x (v int)');
    const hostile = 'odd "name"; drop table x; --';
    await query(db.url, `CREATE TABLE ${quoteIdentifier(hostile)} (${quoteIdentifier('a "b"')} int)`);
    await query(db.url, `INSERT INTO ${quoteIdentifier(hostile)} VALUES ($1)`, [7]);
    const rows = await query<Record<string, number>>(db.url, `SELECT * FROM ${quoteIdentifier(hostile)}`);
    expect(rows).toEqual([{ 'a "b"': 7 }]);
    const [x] = await query<{ n: string }>(
      db.url,
      "SELECT count(*) AS n FROM pg_tables WHERE tablename = 'x'",
    );
    expect(x!.n).toBe('1');
  });
});

describe('startTestPostgres', () => {
  it('uses PREPKIT_TEST_DATABASE_URL when it is set, without starting a server', async () => {
    const serverUrl = inject('prepkitPostgresUrl');
    const server = await startTestPostgres({ PREPKIT_TEST_DATABASE_URL: serverUrl });
    expect(server.source).toBe('env');
    expect(server.url).toBe(serverUrl);
    await server.stop();
    const [row] = await query<{ one: number }>(serverUrl, 'SELECT 1 AS one');
    expect(row!.one).toBe(1);
  });

  it('names the variable and hides the password when that server is unreachable', async () => {
    const url = 'postgresql://postgres:TopSecret99@127.0.0.1:1/postgres';
    const error = await startTestPostgres({ PREPKIT_TEST_DATABASE_URL: url }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PREPKIT_TEST_DATABASE' });
    const message = (error as Error).message;
    expect(message).toContain(
      'cannot connect to PREPKIT_TEST_DATABASE_URL (postgresql://postgres:***@127.0.0.1:1/postgres)',
    );
    expect(message).not.toContain('TopSecret99');
  });
});

describe('startEmbeddedPostgres', () => {
  it('restarts its own server: open connections are dropped, the data and the URL stay', async () => {
    const server = await startEmbeddedPostgres();
    try {
      await query(server.url, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
      const client = new pg.Client({ connectionString: server.url });
      client.on('error', () => undefined); // the restart ends this connection
      await client.connect();
      await server.restart();
      await expect(client.query('SELECT 1')).rejects.toThrow();
      await client.end().catch(() => undefined);
      expect(await query(server.url, 'SELECT n FROM kept')).toEqual([{ n: 42 }]);
    } finally {
      await server.stop();
    }
  });
});
