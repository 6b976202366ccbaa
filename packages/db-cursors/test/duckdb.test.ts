import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryError, openDuckDB } from '../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'duckdb-test-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('DuckDB', () => {
  it('opens with a memory limit and thread count', async () => {
    await using db = await openDuckDB({ memoryLimit: '256MB', threads: 1 });
    const [settings] = await db.rows(
      "SELECT current_setting('memory_limit') AS memory, current_setting('threads')::INTEGER AS threads",
    );
    expect(settings).toEqual({ memory: '244.1 MiB', threads: 1 });
  });

  it('streams a large result chunk by chunk', async () => {
    await using db = await openDuckDB({ threads: 2 });
    let rows = 0;
    let chunks = 0;
    let sum = 0n;
    for await (const chunk of db.stream('SELECT range AS n FROM range(100000)')) {
      chunks++;
      rows += chunk.rowCount;
      for (const n of chunk.columns()[0]!) sum += n as bigint;
      expect(chunk.columnNames).toEqual(['n']);
    }
    expect(rows).toBe(100_000);
    expect(chunks).toBeGreaterThan(10);
    expect(sum).toBe(4_999_950_000n);
  });

  it('runs COPY to Parquet with parameters, and reads it back', async () => {
    await using db = await openDuckDB();
    const file = join(dir, 'out.parquet');
    await db.run(
      `COPY (SELECT range AS id, 'row ' || range AS label FROM range(1000)) TO '${file.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION zstd)`,
    );
    const [summary] = await db.rows(
      'SELECT count(*)::INTEGER AS n, max(label) AS top FROM read_parquet($1) WHERE id >= $2',
      [file, 500],
    );
    expect(summary).toEqual({ n: 500, top: 'row 999' });
  });

  it('wraps SQL errors in a QueryError', async () => {
    await using db = await openDuckDB();
    await expect(db.run('SELECT * FROM no_such_table')).rejects.toThrow(QueryError);
    await expect(db.run('SELECT * FROM no_such_table')).rejects.toThrow(
      /^DuckDB: Catalog Error: Table with name no_such_table does not exist/,
    );
  });
});
