import { shardOf } from '@prepkit/record-io';
import type { Column } from './columns.js';
import type { IpcRecordEncoder } from './ipc-record-encoder.js';
import { splitOf } from './split.js';
import type { Split } from './split.js';

export interface SplitOptions {
  readonly seed: number;
  readonly testFraction: number;
  /** Files per split the records are dealt to by `shardOf(key, shards)`; 1 puts every record in file 0. */
  readonly shards: number;
}

export interface EncodedProbes {
  readonly train: Uint8Array[];
  readonly test: Uint8Array[];
  /** The file (shard) of each record of `train` and `test`. */
  readonly trainShards: number[];
  readonly testShards: number[];
  readonly trainRows: number;
  readonly testRows: number;
  readonly maxRecordBytes: number;
  readonly minRecordBytes: number;
}

const utf8 = new TextDecoder();

/**
 * Cuts sorted columns (group key first) into groups of equal keys and encodes each as one Arrow
 * IPC record, assigned to train or test by its key.
 */
export function encodeProbes(
  columns: readonly Column[],
  encoder: IpcRecordEncoder,
  split: SplitOptions,
): EncodedProbes {
  const key = columns[0]!;
  const rows =
    key.valid === null
      ? key.offsets === null
        ? key.values!.length
        : key.offsets.length - 1
      : key.valid.length;
  const out = {
    train: [] as Uint8Array[],
    test: [] as Uint8Array[],
    trainShards: [] as number[],
    testShards: [] as number[],
    trainRows: 0,
    testRows: 0,
    maxRecordBytes: 0,
    minRecordBytes: Infinity,
  };
  const sameKey = keyComparer(key);
  for (let start = 0; start < rows;) {
    let end = start + 1;
    while (end < rows && sameKey(start, end)) end++;
    const record = encoder.encode(columns, start, end);
    const text = keyText(key, start);
    const side: Split = splitOf(text, split.seed, split.testFraction);
    out[side].push(record);
    (side === 'train' ? out.trainShards : out.testShards).push(
      split.shards === 1 ? 0 : shardOf(text, split.shards),
    );
    if (side === 'train') out.trainRows += end - start;
    else out.testRows += end - start;
    out.maxRecordBytes = Math.max(out.maxRecordBytes, record.length);
    out.minRecordBytes = Math.min(out.minRecordBytes, record.length);
    start = end;
  }
  return out;
}

function keyComparer(key: Column): (a: number, b: number) => boolean {
  if (key.kind === 'utf8') {
    const offsets = key.offsets!;
    const bytes = key.bytes!;
    return (a, b) => {
      const la = offsets[a + 1]! - offsets[a]!;
      if (la !== offsets[b + 1]! - offsets[b]!) return false;
      for (let i = 0; i < la; i++) if (bytes[offsets[a]! + i] !== bytes[offsets[b]! + i]) return false;
      return true;
    };
  }
  const values = key.values!;
  return (a, b) => values[a] === values[b];
}

/**
 * The key as text, for the split and shard hashes: the string itself, or the integer in decimal (a timestamp's
 * microseconds since the epoch). `shardKeySql` is the same text in DuckDB.
 */
export function keyText(key: Column, row: number): string {
  if (key.kind === 'utf8') return utf8.decode(key.bytes!.subarray(key.offsets![row], key.offsets![row + 1]));
  return String(key.values![row]);
}
