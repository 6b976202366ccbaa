import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ParquetCompression } from '../src/index.js';
import { ROWS, expectedData, expectedRow, writeExpected } from './parquet-data.js';
import { makeTempDir, openDuckDb, query, removeDir, sqlString, tempDir } from './helpers.js';

let duckdb: { connection: DuckDBConnection; close(): void };
beforeAll(async () => {
  duckdb = await openDuckDb();
});
afterAll(() => duckdb.close());

const data = expectedData();
const expectedRows = Array.from({ length: ROWS }, (_, i) => expectedRow(data, i));
const CODECS: Record<ParquetCompression, string> = {
  zstd: 'ZSTD',
  snappy: 'SNAPPY',
  gzip: 'GZIP',
  none: 'UNCOMPRESSED',
};

const CASES = (Object.keys(CODECS) as ParquetCompression[]).flatMap(
  (codec): [ParquetCompression, number][] => [
    [codec, 1],
    [codec, 2],
  ],
);

describe.each(CASES)('ParquetWriter with %s, %i thread(s)', (compression, threads) => {
  let path: string;
  beforeAll(async () => {
    const dir = await makeTempDir();
    path = join(dir, `data.${compression}.parquet`);
    const written = await writeExpected(path, data, { compression, threads });
    expect(written).toMatchObject({ path, records: ROWS });
    return () => removeDir(dir);
  });

  it('writes values DuckDB reads back identically, with the expected types', async () => {
    const source = `read_parquet(${sqlString(path)}, file_row_number = true)`;
    const rows = await query(
      duckdb.connection,
      `SELECT i32, i64, f32, f64, vec, s, epoch_us(ts) AS ts FROM ${source} ORDER BY file_row_number`,
    );
    expect(rows).toEqual(expectedRows);
    const types = await query(
      duckdb.connection,
      `DESCRIBE SELECT * EXCLUDE (file_row_number) FROM ${source}`,
    );
    expect(types.map((t) => `${String(t.column_name)} ${String(t.column_type)}`)).toEqual([
      'i32 INTEGER',
      'i64 BIGINT',
      'f32 FLOAT',
      'f64 DOUBLE',
      'vec FLOAT[]',
      's VARCHAR',
      'ts TIMESTAMP WITH TIME ZONE',
    ]);
    const nulls = await query(
      duckdb.connection,
      `SELECT count(*) FILTER (WHERE i32 IS NULL OR i64 IS NULL OR f32 IS NULL OR f64 IS NULL OR vec IS NULL
         OR s IS NULL OR ts IS NULL OR list_contains(vec, NULL))::INTEGER AS n FROM ${source}`,
    );
    expect(nulls).toEqual([{ n: 0 }]);
  });

  it('cuts row groups at rowGroupSize whatever the batch size, with the chosen codec', async () => {
    const groups = await query(
      duckdb.connection,
      `SELECT row_group_id, any_value(row_group_num_rows)::INTEGER AS n_rows, list(DISTINCT compression) AS codecs
       FROM parquet_metadata(${sqlString(path)}) GROUP BY row_group_id ORDER BY row_group_id`,
    );
    expect(groups.map((g) => g.n_rows)).toEqual([1000, 1000, 500]);
    for (const group of groups) expect(group.codecs).toEqual([CODECS[compression]]);
  });

  it('writes values hyparquet (an independent reader) agrees on', async () => {
    const rows = await parquetReadObjects({
      file: await asyncBufferFromFile(path),
      compressors,
      rowFormat: 'object',
      parsers: { timestampFromMicroseconds: (micros: bigint) => micros },
    });
    expect(rows).toHaveLength(ROWS);
    expect(rows.map((row) => ({ ...row, vec: Array.from(row.vec as number[]) }))).toEqual(expectedRows);
  });

  it('leaves nothing but the final file in its directory', async () => {
    const dir = join(path, '..');
    expect(await readdir(dir)).toEqual([`data.${compression}.parquet`]);
  });
});

describe('ParquetWriter output', () => {
  it('is the same bytes whatever the batch sizes and thread count', async () => {
    const dir = await tempDir();
    const digests = new Set<string>();
    for (const [batchSize, threads] of [
      [777, 1],
      [1000, 1],
      [2500, 2],
      [333, 2],
      [1, 1],
    ] as const) {
      const path = join(dir, `out-${batchSize}-${threads}.parquet`);
      await writeExpected(path, data, { batchSize, threads });
      digests.add(
        createHash('sha256')
          .update(await readFile(path))
          .digest('hex'),
      );
    }
    expect(digests.size).toBe(1);
  });
});
