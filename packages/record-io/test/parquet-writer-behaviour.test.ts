import { readFile, readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  InvalidOptionError,
  ParquetBatchError,
  openParquetWriter,
  readParquetBatches,
  readParquetMetadata,
  resolveParquetWriterOptions,
} from '../src/index.js';
import type { ParquetColumn } from '../src/index.js';
import { readFooter } from '../src/parquet-stitch.js';
import { field } from '../src/thrift-compact.js';
import type { ThriftList, ThriftStruct } from '../src/thrift-compact.js';
import { tempDir } from './helpers.js';

const COLUMNS: readonly ParquetColumn[] = [
  { name: 'id', type: 'int64' },
  { name: 'v', type: 'float32-list', listSize: 4 },
  { name: 's', type: 'utf8' },
];

function batch(start: number, rows: number) {
  return {
    id: BigInt64Array.from({ length: rows }, (_, i) => BigInt(start + i)),
    v: Float32Array.from({ length: rows * 4 }, Math.random), // incompressible, so row groups have weight
    s: Array.from({ length: rows }, (_, i) => `r${start + i}`),
  };
}

describe('ParquetWriter', () => {
  it.each([1, 2])(
    'streams row groups to disk before close, holding at most 2 x threads + 1 (%i thread)',
    async (threads) => {
      const dir = await tempDir();
      const writer = await openParquetWriter(join(dir, 'out.parquet'), COLUMNS, {
        rowGroupSize: 2000,
        threads,
      });
      for (let i = 0; i < 10; i++) await writer.write(batch(i * 2000, 2000));
      // Each row group of 2000 x 4 random floats compresses to more than 30 KB.
      const expected = (10 - (2 * threads + 1)) * 30_000;
      // Encoding runs on its own; wait for the bytes to land (however loaded the machine), not a fixed time.
      await vi.waitFor(() => expect(writer.bytes).toBeGreaterThanOrEqual(expected), {
        timeout: 30_000,
        interval: 5,
      });
      expect(await readdir(dir)).toEqual([expect.stringMatching(/^\.out\.parquet\.tmp-/)]);
      const { records } = await writer.close();
      expect(records).toBe(20_000);
      const groups = (await readParquetMetadata(join(dir, 'out.parquet'))).rowGroups;
      expect(groups.map((g) => g.rows)).toEqual(Array.from({ length: 10 }, () => 2000));
      expect(groups.every((g) => g.compressedBytes > 30_000)).toBe(true);
    },
  );

  it('writes key-value metadata sorted by key, so repeated writes give the same bytes', async () => {
    // arrow-rs keeps these in a HashMap whose order changes between runs; the stitched footer sorts them.
    const metadata = { zeta: '1', alpha: '2', mid: '3', beta: '4', 'ARROW:x': '5', gamma: '6' };
    const dir = await tempDir();
    const files: Buffer[] = [];
    for (let i = 0; i < 4; i++) {
      const path = join(dir, `meta-${i}.parquet`);
      const writer = await openParquetWriter(path, COLUMNS, { metadata, rowGroupSize: 500, threads: 1 });
      await writer.write({
        id: BigInt64Array.from({ length: 1000 }, (_, r) => BigInt(r)),
        v: new Float32Array(4000).fill(0.5),
        s: Array.from({ length: 1000 }, (_, r) => `r${r}`),
      });
      await writer.close();
      files.push(await readFile(path));
    }
    const list = field(readFooter(files[0]!), 5)?.value as ThriftList;
    const keys = list.items.map((kv) =>
      Buffer.from(field(kv as ThriftStruct, 1)?.value as Uint8Array).toString(),
    );
    expect(keys).toEqual([...keys].sort());
    expect(keys).toEqual(expect.arrayContaining(Object.keys(metadata)));
    for (const file of files) expect(file.equals(files[0]!)).toBe(true);
  });

  it('rejects batches that do not fit the schema, naming the column, and stays usable', async () => {
    const dir = await tempDir();
    const path = join(dir, 'out.parquet');
    await using writer = await openParquetWriter(path, COLUMNS);
    const good = batch(0, 10);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ id: good.id, v: good.v }, /column "s": missing from the batch/],
      [{ ...good, extra: good.id }, /column "extra": not in the schema/],
      [{ ...good, id: new Float64Array(10) }, /column "id": int64 values must be a BigInt64Array/],
      [{ ...good, v: new Float32Array(41) }, /column "v": 41 floats is not a multiple of 4/],
      [{ ...good, s: good.s.slice(1) }, /column "s": has 9 rows, the batch's first column 10/],
      [{ ...good, s: [...good.s.slice(1), null] }, /column "s": row 9 is null, not a string/],
    ];
    for (const [bad, message] of cases) {
      const error = await writer.write(bad as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ParquetBatchError);
      expect(error).toMatchObject({ code: 'PREPKIT_PARQUET_BAD_BATCH' });
      expect((error as Error).message).toMatch(message);
    }
    await writer.write(good);
    expect(await writer.close()).toMatchObject({ records: 10 });
    let rows = 0;
    for await (const b of readParquetBatches(path)) rows += b.numRows;
    expect(rows).toBe(10);
  });

  it('leaves no file when aborted, disposed without close, or stopped by its signal', async () => {
    const dir = await tempDir();
    const aborted = await openParquetWriter(join(dir, 'a.parquet'), COLUMNS, { rowGroupSize: 100 });
    await aborted.write(batch(0, 500));
    await aborted.abort();
    await expect(aborted.write(batch(0, 1))).rejects.toMatchObject({ code: 'PREPKIT_ATOMIC_FILE_CLOSED' });
    {
      await using disposed = await openParquetWriter(join(dir, 'b.parquet'), COLUMNS);
      await disposed.write(batch(0, 10));
    }
    const controller = new AbortController();
    const signalled = await openParquetWriter(join(dir, 'c.parquet'), COLUMNS, { signal: controller.signal });
    await signalled.write(batch(0, 10));
    controller.abort(new Error('user pressed Ctrl-C'));
    // abort() after the signal waits for the signal's clean-up: no sleeping needed.
    await signalled.abort();
    expect(await readdir(dir)).toEqual([]);
    await expect(signalled.write(batch(10, 10))).rejects.toThrow('user pressed Ctrl-C');
    await expect(signalled.close()).rejects.toThrow('user pressed Ctrl-C');
    // So does close().
    const other = new AbortController();
    const closed = await openParquetWriter(join(dir, 'd.parquet'), COLUMNS, { signal: other.signal });
    await closed.write(batch(0, 10));
    other.abort(new Error('stopped'));
    await expect(closed.close()).rejects.toThrow('stopped');
    expect(await readdir(dir)).toEqual([]);
  });

  it('writes a valid empty file when no rows were written', async () => {
    const dir = await tempDir();
    const writer = await openParquetWriter(join(dir, 'empty.parquet'), COLUMNS);
    await writer.write(batch(0, 0));
    expect(await writer.close()).toMatchObject({ records: 0 });
    expect(await readParquetMetadata(join(dir, 'empty.parquet'))).toMatchObject({ rows: 0, rowGroups: [] });
    let batches = 0;
    for await (const b of readParquetBatches(join(dir, 'empty.parquet'))) batches += b.numRows === 0 ? 0 : 1;
    expect(batches).toBe(0);
  });

  it('validates its options and schema with messages that name the option', async () => {
    expect(() => resolveParquetWriterOptions({ rowGroupSize: 0 })).toThrow(
      'options.rowGroupSize must be a positive integer (got 0)',
    );
    expect(() => resolveParquetWriterOptions({ compression: 'lz4' as never })).toThrow(
      'options.compression must be one of zstd, snappy, gzip, none (got lz4)',
    );
    expect(() => resolveParquetWriterOptions({ threads: 0 })).toThrow(
      'options.threads must be a positive integer (got 0)',
    );
    expect(resolveParquetWriterOptions()).toMatchObject({
      compression: 'zstd',
      rowGroupSize: 65_536,
      threads: availableParallelism(),
    });
    const dir = await tempDir();
    await expect(openParquetWriter(join(dir, 'x.parquet'), [])).rejects.toThrow(InvalidOptionError);
    await expect(
      openParquetWriter(join(dir, 'x.parquet'), [
        { name: 'a', type: 'int32' },
        { name: 'a', type: 'int64' },
      ]),
    ).rejects.toThrow('schema has two columns named "a"');
    await expect(
      openParquetWriter(join(dir, 'x.parquet'), [{ name: 'v', type: 'float32-list', listSize: 0 }]),
    ).rejects.toThrow('schema[0].listSize must be a positive integer (got 0)');
    expect(await readdir(dir)).toEqual([]);
  });
});
