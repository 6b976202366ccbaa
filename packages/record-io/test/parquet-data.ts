// A small table with every column type ParquetWriter takes, extreme values included, written in
// batches that do not line up with row groups.
import { openParquetWriter } from '../src/index.js';
import type { ParquetColumn, ParquetCompression, WrittenFile } from '../src/index.js';

export const ROWS = 2500;
export const LIST_SIZE = 8;
const TEXTS = ['', 'é', '😀 emoji', '漢字かな', 'new\nline', '"quoted", \\ back'];

export const COLUMNS: readonly ParquetColumn[] = [
  { name: 'i32', type: 'int32' },
  { name: 'i64', type: 'int64' },
  { name: 'f32', type: 'float32' },
  { name: 'f64', type: 'float64' },
  { name: 'vec', type: 'float32-list', listSize: LIST_SIZE },
  { name: 's', type: 'utf8' },
  { name: 'ts', type: 'timestamp', unit: 'us' },
];

export interface Expected {
  i32: Int32Array;
  i64: BigInt64Array;
  f32: Float32Array;
  f64: Float64Array;
  vec: Float32Array;
  s: string[];
  ts: BigInt64Array;
}

export function expectedData(rows = ROWS): Expected {
  const data: Expected = {
    i32: new Int32Array(rows),
    i64: new BigInt64Array(rows),
    f32: new Float32Array(rows),
    f64: new Float64Array(rows),
    vec: new Float32Array(rows * LIST_SIZE),
    s: [],
    ts: new BigInt64Array(rows),
  };
  for (let i = 0; i < rows; i++) {
    data.i32[i] = i * 7 - 1000;
    data.i64[i] = BigInt(i) * 10_000_000_007n - 5n;
    data.f32[i] = i / 3;
    data.f64[i] = i * Math.PI - 1e6;
    for (let j = 0; j < LIST_SIZE; j++) data.vec[i * LIST_SIZE + j] = Math.sin(i * LIST_SIZE + j);
    data.s.push(`${i}:${TEXTS[i % TEXTS.length]}`);
    data.ts[i] = 1_700_000_000_000_000n + BigInt(i) * 1_000_001n;
  }
  data.i32[0] = -(2 ** 31);
  data.i32[1] = 2 ** 31 - 1;
  data.i64[0] = -(2n ** 63n);
  data.i64[1] = 2n ** 63n - 1n;
  data.f64[2] = 1e300;
  data.f32[2] = 3.4e38;
  data.s[3] = '';
  return data;
}

/** Writes `data` in batches of `batchSize` rows. */
export async function writeExpected(
  path: string,
  data: Expected,
  options: {
    compression?: ParquetCompression;
    rowGroupSize?: number;
    batchSize?: number;
    threads?: number;
  } = {},
): Promise<WrittenFile> {
  const rows = data.i32.length;
  const batchSize = options.batchSize ?? 777;
  const writer = await openParquetWriter(path, COLUMNS, {
    compression: options.compression ?? 'zstd',
    rowGroupSize: options.rowGroupSize ?? 1000,
    threads: options.threads ?? 1,
  });
  for (let start = 0; start < rows; start += batchSize) {
    const end = Math.min(rows, start + batchSize);
    await writer.write({
      i32: data.i32.subarray(start, end),
      i64: data.i64.subarray(start, end),
      f32: data.f32.subarray(start, end),
      f64: data.f64.subarray(start, end),
      vec: data.vec.subarray(start * LIST_SIZE, end * LIST_SIZE),
      s: data.s.slice(start, end),
      ts: data.ts.subarray(start, end),
    });
  }
  return writer.close();
}

/** Row i of `data` as the plain values readers return (bigint for 64-bit integers). */
export function expectedRow(data: Expected, i: number) {
  return {
    i32: data.i32[i],
    i64: data.i64[i],
    f32: data.f32[i],
    f64: data.f64[i],
    vec: Array.from(data.vec.subarray(i * LIST_SIZE, (i + 1) * LIST_SIZE)),
    s: data.s[i],
    ts: data.ts[i],
  };
}
