import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParquetIoError, readParquetBatches, readParquetMetadata } from '../src/index.js';
import { makeTempDir, removeDir } from './helpers.js';
import { COLUMNS, LIST_SIZE, ROWS, expectedData, writeExpected } from './parquet-data.js';

const data = expectedData();
let dir: string;
let path: string;
beforeAll(async () => {
  dir = await makeTempDir();
  path = join(dir, 'data.parquet');
  await writeExpected(path, data, { rowGroupSize: 1000 });
});
afterAll(() => removeDir(dir));

async function collect(iterable: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const batches: RecordBatch[] = [];
  for await (const batch of iterable) batches.push(batch);
  return batches;
}

/** One column of all batches, concatenated into a plain array. */
function column(batches: readonly RecordBatch[], name: string): unknown[] {
  return batches.flatMap((batch) => {
    const vector = batch.getChild(name);
    if (vector === null) throw new Error(`no column ${name}`);
    return name === 'vec'
      ? Array.from({ length: vector.length }, (_, i) => Array.from(vector.get(i) as Iterable<number>))
      : Array.from(vector.toArray() as ArrayLike<unknown>);
  });
}

describe('readParquetBatches', () => {
  it('reads back exactly what ParquetWriter wrote', async () => {
    const batches = await collect(readParquetBatches(path, { batchSize: 300 }));
    expect(batches.reduce((n, b) => n + b.numRows, 0)).toBe(ROWS);
    expect(batches.every((b) => b.numRows <= 300)).toBe(true);
    expect(batches[0]!.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
      'i32:Int32',
      'i64:Int64',
      'f32:Float32',
      'f64:Float64',
      `vec:FixedSizeList[${LIST_SIZE}]<Float32>`,
      's:Utf8',
      'ts:Timestamp<MICROSECOND, UTC>',
    ]);
    expect(column(batches, 'i32')).toEqual(Array.from(data.i32));
    expect(column(batches, 'i64')).toEqual(Array.from(data.i64));
    expect(column(batches, 'f32')).toEqual(Array.from(data.f32));
    expect(column(batches, 'f64')).toEqual(Array.from(data.f64));
    expect(column(batches, 's')).toEqual(data.s);
    const vectors = column(batches, 'vec') as number[][];
    expect(Float32Array.from(vectors.flat())).toEqual(data.vec);
    const ts = batches.flatMap((b) =>
      Array.from(b.getChild('ts')!.data.flatMap((d) => Array.from(d.values as BigInt64Array))),
    );
    expect(ts).toEqual(Array.from(data.ts));
  });

  it('reads only the requested columns and row groups', async () => {
    const batches = await collect(readParquetBatches(path, { columns: ['s', 'i64'], rowGroups: [2] }));
    expect(batches[0]!.schema.fields.map((f) => f.name)).toEqual(['i64', 's']);
    expect(column(batches, 'i64')).toEqual(Array.from(data.i64.subarray(2000)));
    expect(column(batches, 's')).toEqual(data.s.slice(2000));
  });

  it('stops early without leaking when the consumer breaks', async () => {
    let seen = 0;
    for await (const batch of readParquetBatches(path, { batchSize: 100 })) {
      seen += batch.numRows;
      if (seen >= 200) break;
    }
    expect(seen).toBe(200);
  });

  it('names the file when it is missing or not Parquet', async () => {
    await expect(collect(readParquetBatches(join(dir, 'nope.parquet')))).rejects.toThrow(ParquetIoError);
    await expect(readParquetMetadata(__filename)).rejects.toMatchObject({
      code: 'PREPKIT_PARQUET_READ_FAILED',
      path: __filename,
    });
    await expect(collect(readParquetBatches(path, { batchSize: 0 }))).rejects.toThrow(
      'options.batchSize must be a positive integer (got 0)',
    );
  });
});

describe('readParquetMetadata', () => {
  it('reports rows and row groups from the footer', async () => {
    const info = await readParquetMetadata(path);
    expect(info.rows).toBe(ROWS);
    expect(info.rowGroups.map((g) => g.rows)).toEqual([1000, 1000, 500]);
    expect(info.rowGroups.every((g) => g.compressedBytes > 0)).toBe(true);
    expect(info.createdBy).toMatch(/parquet-rs/);
    expect(COLUMNS).toHaveLength(7);
  });
});
