import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BulkWriteError, bulkInsert, bulkUpdate, createPool } from '../src/index.js';
import { useTestDatabase } from '../src/testing/index.js';

const db = useTestDatabase();
let pool: pg.Pool;
let admin: pg.Client;

beforeAll(async () => {
  pool = createPool(db.url, { applicationName: 'bulk-test' });
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
});
afterAll(async () => {
  await pool.end();
  await admin.end();
});

function* batchesOf<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

describe('bulkUpdate', () => {
  beforeAll(async () => {
    await pool.query(`CREATE TABLE scores (id bigint PRIMARY KEY, score float8 NOT NULL CHECK (score >= 0), note text);
                      INSERT INTO scores SELECT i, 0, NULL FROM generate_series(1, 100000) AS i`);
  });

  it('applies exactly the committed batches when a batch fails mid-way', async () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => [
      i + 1,
      i === 66_000 ? -1 : (i + 1) / 10,
      `note ${i + 1}`,
    ]);
    const commits: number[] = [];
    const error = await bulkUpdate(pool, {
      table: 'scores',
      key: 'id',
      columns: ['id', 'score', 'note'],
      batches: batchesOf(rows, 5000), // row 66,001 is in batch 13 (0-based), i.e. in the 5th transaction of 3
      commitEvery: 3,
      onCommit: (totals) => commits.push(totals.rows),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BulkWriteError);
    expect(error).toMatchObject({ committedBatches: 12, committedRows: 60_000 });
    expect((error as Error).message).toContain('violates check constraint "scores_score_check"');
    expect(commits).toEqual([15_000, 30_000, 45_000, 60_000]);
    const { rows: counts } = await pool.query<{ updated: number; untouched: number; right: number }>(`
      SELECT count(*) FILTER (WHERE score > 0)::int AS updated, count(*) FILTER (WHERE score = 0)::int AS untouched,
             count(*) FILTER (WHERE score = id / 10.0 AND note = 'note ' || id)::int AS right FROM scores`);
    expect(counts[0]).toEqual({ updated: 60_000, untouched: 40_000, right: 60_000 });
    expect((await pool.query('SELECT max(id)::int AS m FROM scores WHERE score > 0')).rows[0]).toEqual({
      m: 60_000,
    });
  });

  it('replays uncommitted batches on a new connection after its backend is terminated', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => ({ id: i + 1, score: 7 + i }));
    let killed = 0;
    const result = await bulkUpdate(pool, {
      table: 'scores',
      key: 'id',
      columns: ['id', 'score'],
      batches: batchesOf(rows, 2000),
      commitEvery: 2,
      retry: { baseDelayMs: 5 },
      onCommit: (totals) => {
        if (totals.commits === 2) {
          // Kill the pool's idle connection: the next transaction starts on a dead backend.
          void admin
            .query(
              "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'bulk-test'",
            )
            .then((r) => (killed += r.rowCount ?? 0));
        }
      },
    });
    expect(killed).toBeGreaterThan(0);
    expect(result).toEqual({ rows: 20_000, batches: 10, commits: 5 });
    const { rows: check } = await pool.query(
      'SELECT count(*)::int AS n FROM scores WHERE id <= 20000 AND score = 6 + id',
    );
    expect(check[0]).toEqual({ n: 20_000 });
  });

  it('rejects a key that is not among the columns', async () => {
    await expect(
      bulkUpdate(pool, { table: 'scores', key: 'id', columns: ['score'], batches: [] }),
    ).rejects.toThrow('options.key column(s) id must be in options.columns');
  });
});

describe('bulkInsert', () => {
  const hostile = 'docs "x"; drop table scores; --';

  beforeAll(async () => {
    await pool.query(
      `CREATE TABLE "${hostile.replace(/"/g, '""')}" (id int PRIMARY KEY, body text, vec real[], at timestamptz, meta jsonb)`,
    );
  });

  it('inserts awkward values, arrays and JSON through COPY, into a hostile table name', async () => {
    const body = 'tab\t nl\n cr\r back\\slash "q" \\N 漢字 🧪';
    const result = await bulkInsert(pool, {
      table: hostile,
      columns: ['id', 'body', 'vec', 'at', 'meta'],
      batches: [
        [
          [
            1,
            body,
            new Float32Array([0.5, -1.25, 3]),
            new Date('2024-05-06T07:08:09.123Z'),
            { a: [1, 'two'] },
          ],
          { id: 2, body: '', vec: [1, null, 2], at: null, meta: null },
          { id: 3, body: null, vec: null, at: null, meta: '"NULL"' },
        ],
      ],
    });
    expect(result).toEqual({ rows: 3, batches: 1, commits: 1 });
    const { rows } = await pool.query(`SELECT * FROM "${hostile.replace(/"/g, '""')}" ORDER BY id`);
    expect(rows).toEqual([
      {
        id: 1,
        body,
        vec: [0.5, -1.25, 3],
        at: new Date('2024-05-06T07:08:09.123Z'),
        meta: { a: [1, 'two'] },
      },
      { id: 2, body: '', vec: [1, null, 2], at: null, meta: null },
      { id: 3, body: null, vec: null, at: null, meta: 'NULL' },
    ]);
    expect((await pool.query('SELECT count(*)::int AS n FROM scores')).rows[0]).toEqual({ n: 100_000 });
  });

  it('updates on conflict, so a re-run changes values and never duplicates', async () => {
    const run = (suffix: string) =>
      bulkInsert(pool, {
        table: hostile,
        columns: ['id', 'body'],
        batches: batchesOf(
          Array.from({ length: 1000 }, (_, i) => [100 + i, `v${suffix}`]),
          300,
        ),
        onConflict: { key: 'id', action: 'update' },
        commitEvery: 2,
      });
    await run('1');
    const second = await run('2');
    expect(second).toEqual({ rows: 1000, batches: 4, commits: 2 });
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n, min(body) AS lo, max(body) AS hi FROM "${hostile.replace(/"/g, '""')}" WHERE id >= 100`,
    );
    expect(rows[0]).toEqual({ n: 1000, lo: 'v2', hi: 'v2' });
  });

  it('reports a plain insert of a duplicate key with what was committed', async () => {
    const error = await bulkInsert(pool, {
      table: hostile,
      columns: ['id'],
      batches: [[[5000]], [[1]]],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BulkWriteError);
    expect((error as Error).message).toMatch(
      /duplicate key value violates unique constraint .*; 1 batch\(es\), 1 row\(s\) committed before the failure$/,
    );
  });
});
