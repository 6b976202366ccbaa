import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, createPool, keysetPages } from '../src/index.js';
import { useTestDatabase } from '../src/testing/index.js';

const db = useTestDatabase();
let pool: pg.Pool;

beforeAll(async () => {
  pool = createPool(db.url, { applicationName: 'keyset-test' });
  await pool.query(`
    CREATE TABLE items (id bigint PRIMARY KEY, grp int NOT NULL, seq int NOT NULL, label text);
    INSERT INTO items SELECT 9007199254740000 + i, i % 7, i / 7, 'item ' || i FROM generate_series(1, 2500) AS i;
    CREATE UNIQUE INDEX items_grp_seq ON items (grp, seq);`);
});
afterAll(() => pool.end());

async function collect<T>(pages: AsyncIterable<{ rows: T[] }>): Promise<T[]> {
  const rows: T[] = [];
  for await (const page of pages) rows.push(...page.rows);
  return rows;
}

describe('keysetPages', () => {
  it('pages through every row once, in key order, keeping bigint ids exact', async () => {
    const rows = await collect(
      keysetPages<{ id: string }>(pool, { table: 'items', key: 'id', columns: ['id'], pageSize: 300 }),
    );
    expect(rows).toHaveLength(2500);
    expect(rows[0]!.id).toBe('9007199254740001');
    expect(rows[2499]!.id).toBe('9007199254742500'); // above 2^53: a number would have rounded it
    expect(new Set(rows.map((r) => r.id)).size).toBe(2500);
  });

  it('returns bigint values as BigInt on request', async () => {
    const [first] = await collect(
      keysetPages<{ id: bigint }>(pool, {
        table: 'items',
        key: 'id',
        pageSize: 1,
        int8: 'bigint',
        where: 'id < $1',
        params: [9007199254740002n],
      }),
    );
    expect(first!.id).toBe(9007199254740001n);
  });

  it('orders by a composite key and applies WHERE with parameters', async () => {
    const pages = [];
    for await (const page of keysetPages<{ grp: number; seq: number }>(pool, {
      table: 'items',
      key: ['grp', 'seq'],
      columns: ['label'],
      where: 'grp IN ($1, $2)',
      params: [2, 5],
      pageSize: 100,
    })) {
      pages.push(page);
    }
    const rows = pages.flatMap((p) => p.rows);
    const expected = (
      await pool.query<{ grp: number; seq: number }>(
        'SELECT grp, seq FROM items WHERE grp IN (2, 5) ORDER BY grp, seq',
      )
    ).rows;
    expect(rows.map((r) => [r.grp, r.seq])).toEqual(expected.map((r) => [r.grp, r.seq]));
    expect(pages[0]!.lastKey).toEqual([2, 99]);
  });

  it('resumes after a given key', async () => {
    const rows = await collect(
      keysetPages<{ id: string }>(pool, { table: 'items', key: 'id', after: ['9007199254742490'] }),
    );
    expect(rows.map((r) => r.id)).toEqual(
      Array.from({ length: 10 }, (_, i) => String(9007199254742491n + BigInt(i))),
    );
  });

  it('survives its backend being terminated mid-read, losing and repeating nothing', async () => {
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const seen: string[] = [];
    let terminated = 0;
    for await (const page of keysetPages<{ id: string }>(pool, {
      table: 'items',
      key: 'id',
      columns: ['id'],
      pageSize: 200,
      retry: { baseDelayMs: 10 },
    })) {
      seen.push(...page.rows.map((r) => r.id));
      if (seen.length === 600 || seen.length === 1400) {
        const result = await admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'keyset-test' AND pid <> pg_backend_pid()",
        );
        terminated += result.rowCount ?? 0;
      }
    }
    await admin.end();
    expect(terminated).toBeGreaterThan(0);
    expect(seen).toHaveLength(2500);
    expect(new Set(seen).size).toBe(2500);
  });

  it('quotes a hostile table name', async () => {
    const hostile = 'odd "name"; drop table items; --';
    await pool.query(`CREATE TABLE "${hostile.replace(/"/g, '""')}" (id int PRIMARY KEY)`);
    await pool.query(`INSERT INTO "${hostile.replace(/"/g, '""')}" SELECT generate_series(1, 5)`);
    const rows = await collect(keysetPages<{ id: number }>(pool, { table: hostile, key: 'id', pageSize: 2 }));
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3, 4, 5]);
    expect((await pool.query('SELECT count(*)::int AS n FROM items')).rows[0]).toEqual({ n: 2500 });
  });

  it('gives a one-line error without the password when the password is wrong', async () => {
    const url = new URL(db.url);
    url.password = 'Wrong-Secret-4711';
    const badPool = createPool(url.toString());
    const error = await collect(keysetPages(badPool, { table: 'items', key: 'id' })).catch((e: unknown) => e);
    await badPool.end();
    expect(error).toBeInstanceOf(ConnectionError);
    const message = (error as Error).message;
    expect(message).toMatch(
      /^keysetPages\(items\): cannot connect: password authentication failed for user "postgres"$/,
    );
    expect(message).not.toContain('Wrong-Secret-4711');
    expect(message.split('\n')).toHaveLength(1);
  });

  it('names the table when the query fails', async () => {
    await expect(collect(keysetPages(pool, { table: 'no_such_table', key: 'id' }))).rejects.toThrow(
      'keysetPages(no_such_table): relation "no_such_table" does not exist',
    );
  });
});
