import type { Column, ColumnSpec } from './columns.js';

/** One partition of sorted rows (whole groups only) for a worker to encode. */
export interface PartitionTask {
  readonly source:
    | { readonly kind: 'parquet'; readonly path: string; readonly offset: number; readonly limit: number }
    | { readonly kind: 'columns'; readonly columns: readonly Column[] };
  readonly specs: readonly ColumnSpec[];
  /** ArrayRecord options string of both output files. */
  readonly writerOptions: string;
  readonly seed: number;
  readonly testFraction: number;
}

// A worker's result travels as one transferred buffer: this header of float64s, then the encoded
// train chunks, then the encoded test chunks (both in record-io's packed-chunk form).
const FIELDS = [
  'trainBytes',
  'testBytes',
  'trainProbes',
  'testProbes',
  'trainRows',
  'testRows',
  'minRecordBytes',
  'maxRecordBytes',
] as const;

export type PartitionStats = Record<(typeof FIELDS)[number], number>;

export interface PartitionResult extends PartitionStats {
  readonly train: ArrayBuffer;
  readonly test: ArrayBuffer;
}

export function packResult(
  stats: Omit<PartitionStats, 'trainBytes' | 'testBytes'>,
  train: ArrayBuffer,
  test: ArrayBuffer,
): ArrayBuffer {
  const header = 8 * FIELDS.length;
  const out = new Uint8Array(header + train.byteLength + test.byteLength);
  const values: PartitionStats = { ...stats, trainBytes: train.byteLength, testBytes: test.byteLength };
  new Float64Array(out.buffer, 0, FIELDS.length).set(FIELDS.map((f) => values[f]));
  out.set(new Uint8Array(train), header);
  out.set(new Uint8Array(test), header + train.byteLength);
  return out.buffer;
}

export function unpackResult(buffer: ArrayBuffer): PartitionResult {
  const header = new Float64Array(buffer, 0, FIELDS.length);
  const stats = Object.fromEntries(FIELDS.map((f, i) => [f, header[i]!])) as PartitionStats;
  const start = 8 * FIELDS.length;
  return {
    ...stats,
    train: buffer.slice(start, start + stats.trainBytes),
    test: buffer.slice(start + stats.trainBytes, start + stats.trainBytes + stats.testBytes),
  };
}
