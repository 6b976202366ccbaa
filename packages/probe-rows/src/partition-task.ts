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
  /** Files per split; each record goes to file `shardOf(key, shards)`. */
  readonly shards: number;
}

// A worker's result travels as one transferred buffer: this header of float64s, the byte length of each
// file's encoded chunks (train files, then test files), then those chunks (record-io's packed-chunk form).
const FIELDS = [
  'trainProbes',
  'testProbes',
  'trainRows',
  'testRows',
  'minRecordBytes',
  'maxRecordBytes',
] as const;

export type PartitionStats = Record<(typeof FIELDS)[number], number>;

export interface PartitionResult extends PartitionStats {
  /** The encoded chunks of each train file (shard), then of each test file. */
  readonly train: ArrayBuffer[];
  readonly test: ArrayBuffer[];
}

export function packResult(stats: PartitionStats, train: ArrayBuffer[], test: ArrayBuffer[]): ArrayBuffer {
  const parts = [...train, ...test];
  const header = 8 * (FIELDS.length + 1 + parts.length);
  const out = new Uint8Array(header + parts.reduce((sum, p) => sum + p.byteLength, 0));
  const numbers = new Float64Array(out.buffer, 0, header / 8);
  numbers.set(FIELDS.map((f) => stats[f]));
  numbers[FIELDS.length] = train.length;
  parts.forEach((p, i) => (numbers[FIELDS.length + 1 + i] = p.byteLength));
  let at = header;
  for (const p of parts) {
    out.set(new Uint8Array(p), at);
    at += p.byteLength;
  }
  return out.buffer;
}

export function unpackResult(buffer: ArrayBuffer): PartitionResult {
  const ways = new Float64Array(buffer, 8 * FIELDS.length, 1)[0]!;
  const header = new Float64Array(buffer, 0, FIELDS.length + 1 + 2 * ways);
  const stats = Object.fromEntries(FIELDS.map((f, i) => [f, header[i]!])) as PartitionStats;
  const parts: ArrayBuffer[] = [];
  let at = 8 * header.length;
  for (let i = 0; i < 2 * ways; i++) {
    const bytes = header[FIELDS.length + 1 + i]!;
    parts.push(buffer.slice(at, at + bytes));
    at += bytes;
  }
  return { ...stats, train: parts.slice(0, ways), test: parts.slice(ways) };
}
