import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DataType, Message, tableFromIPC } from 'apache-arrow';
import { assertPositiveInteger, throwIfAborted } from '@prepkit/bench-harness/errors';
import {
  ArrayRecordReader,
  ArrayRecordWriter,
  beginOutputSet,
  shardName,
  shardNames,
  shardOf,
} from '@prepkit/record-io';
import type { Manifest } from '@prepkit/record-io';
import { ProbeRowsInputError } from './errors.js';
import { PACKAGE_VERSION } from './version.js';

export interface MergeOptions {
  /** The directory holding `train-0000i-of-0000N.array_record` and `test-…` of every shard i. */
  output: string;
  /** N, the shard count the files were built with. */
  shards: number;
  /** Replace a complete earlier `train.array_record` / `test.array_record`. Default: false. */
  overwrite?: boolean;
  /** Remove the shard files once the merged files and the manifest are written. Default: false. */
  removeShards?: boolean;
  /** The build's configuration, for the manifest. Default: `{ shards }`. */
  config?: unknown;
  /** What the build read, for the manifest. */
  inputs?: readonly unknown[];
  signal?: AbortSignal;
}

export interface MergeResult {
  readonly train: { readonly file: string; readonly probes: number };
  readonly test: { readonly file: string; readonly probes: number };
  readonly manifest: Manifest;
  /** Shard files removed (with `removeShards`). */
  readonly removed: readonly string[];
}

const SPLITS = ['train', 'test'] as const;

/**
 * Merges the N shard files of each split (from `--shard i/N` runs or a `shards: N` build) into
 * `train.array_record` and `test.array_record`, byte-identical to a one-file build: records are k-way merged by
 * their key (the first column of each record) in the build's order, and written with the shards' writer
 * options, one record per chunk as the build writes them. `manifest.json` is written last. A missing shard file,
 * or a record out of order or in the wrong shard's file, is a `ProbeRowsInputError` naming the file.
 */
export async function mergeShards(options: MergeOptions): Promise<MergeResult> {
  assertPositiveInteger('shards', options.shards);
  const dir = resolve(options.output);
  const n = options.shards;
  const inputs = SPLITS.flatMap((split) => shardNames(split, n, 'array_record'));
  for (let i = 0; i < n; i++) {
    for (const split of SPLITS) {
      const path = join(dir, shardName(split, i, n, 'array_record'));
      if (!existsSync(path)) {
        throw new ProbeRowsInputError(
          `${path}: missing: a merge needs all ${n} shard files of each split (build it with --shard ${i}/${n})`,
        );
      }
    }
  }
  const set = await beginOutputSet(dir, {
    files: SPLITS.map((split) => `${split}.array_record`),
    overwrite: options.overwrite === true,
  });
  const probes = { train: 0, test: 0 };
  for (const split of SPLITS) {
    probes[split] = await mergeSplit(
      shardNames(split, n, 'array_record').map((name) => join(dir, name)),
      set.path(`${split}.array_record`),
      options.signal,
    );
  }
  const manifest = await set.commit({
    tool: { name: '@prepkit/probe-rows', version: PACKAGE_VERSION },
    config: options.config ?? { shards: n },
    inputs: options.inputs ?? inputs,
    outputs: SPLITS.map((split) => ({ path: `${split}.array_record`, records: probes[split] })),
  });
  const removed: string[] = [];
  if (options.removeShards === true) {
    for (const name of inputs) {
      await rm(join(dir, name), { force: true });
      removed.push(join(dir, name));
    }
  }
  return {
    train: { file: set.path('train.array_record'), probes: probes.train },
    test: { file: set.path('test.array_record'), probes: probes.test },
    manifest,
    removed,
  };
}

/** One split's k-way merge; returns the records written. */
async function mergeSplit(paths: readonly string[], target: string, signal?: AbortSignal): Promise<number> {
  const readers: ArrayRecordReader[] = [];
  let writer: ArrayRecordWriter | undefined;
  try {
    for (const path of paths) readers.push(await ArrayRecordReader.open(path));
    const options = readers[0]!.info.writerOptions;
    const other = readers.find((r) => r.info.writerOptions !== options);
    if (other !== undefined) {
      throw new ProbeRowsInputError(
        `${other.info.path}: written with '${other.info.writerOptions}', but ${paths[0]} with '${options}': ` +
          'the shards come from different builds',
      );
    }
    writer = await ArrayRecordWriter.create(target, { options });
    const heads = new KeyHeap();
    const iterators = readers.map((reader) => reader[Symbol.asyncIterator]());
    const advance = async (shard: number, previous?: Key): Promise<void> => {
      const next = await iterators[shard]!.next();
      if (next.done === true) return;
      const key = recordKey(next.value);
      if (shardOf(key.text, paths.length) !== shard)
        throw new ProbeRowsInputError(`${paths[shard]}: probe ${key.text} belongs to another shard`);
      if (previous !== undefined && compareKeys(previous, key) >= 0)
        throw new ProbeRowsInputError(`${paths[shard]}: probe ${key.text} is out of key order`);
      heads.push({ key, record: next.value, shard });
    };
    for (let shard = 0; shard < readers.length; shard++) await advance(shard);
    for (let head = heads.pop(); head !== undefined; head = heads.pop()) {
      throwIfAborted(signal, 'probe-rows merge');
      await writer.write(head.record);
      await advance(head.shard, head.key);
    }
    const summary = await writer.close();
    return summary.records;
  } catch (error) {
    await writer?.abort();
    throw error;
  } finally {
    await Promise.all(readers.map((reader) => reader.close()));
  }
}

/** A record's key: `text` as `keyText` gives it (for `shardOf`), `order` as DuckDB's ORDER BY compares it. */
interface Key {
  readonly text: string;
  readonly order: bigint | Uint8Array;
}

const utf8 = new TextDecoder();

/**
 * The key of a record as this package's IpcRecordEncoder writes it (schema message, record batch message, body;
 * the key first and never null): only the batch's flatbuffer header is decoded for the key's buffers, about 7x
 * faster than apache-arrow's `tableFromIPC` of the whole record (the merge's costliest step otherwise).
 */
function recordKey(record: Uint8Array): Key {
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const schemaEnd = 8 + view.getInt32(4, true);
  const metadataLength = view.getInt32(schemaEnd + 4, true);
  const body = schemaEnd + 8 + metadataLength;
  const type = keyType(record, schemaEnd);
  const batch = Message.decode(record.subarray(schemaEnd + 8, body)).header() as {
    buffers: { offset: number }[];
  };
  // buffers[0] is the key's validity bitmap, then its offsets and bytes, or its values.
  const values = body + Number(batch.buffers[1]!.offset);
  if (DataType.isUtf8(type)) {
    const start = view.getInt32(values, true);
    const end = view.getInt32(values + 4, true);
    const at = body + Number(batch.buffers[2]!.offset);
    const bytes = record.subarray(at + start, at + end);
    return { text: utf8.decode(bytes), order: bytes };
  }
  const width = DataType.isInt(type) ? type.bitWidth : 64;
  const value =
    width === 16
      ? BigInt(view.getInt16(values, true))
      : width === 32
        ? BigInt(view.getInt32(values, true))
        : view.getBigInt64(values, true);
  return { text: String(value), order: value };
}

// Every record of a file carries the same schema message: its key type is read once per distinct message.
let lastSchema: { bytes: Uint8Array; type: DataType } | undefined;

function keyType(record: Uint8Array, schemaEnd: number): DataType {
  const bytes = record.subarray(0, schemaEnd);
  if (lastSchema === undefined || Buffer.compare(lastSchema.bytes, bytes) !== 0)
    lastSchema = { bytes: bytes.slice(), type: tableFromIPC(record).schema.fields[0]!.type as DataType };
  return lastSchema.type;
}

/** Numbers numerically, strings by their UTF-8 bytes (DuckDB's VARCHAR order). */
function compareKeys(a: Key, b: Key): number {
  if (typeof a.order === 'bigint' && typeof b.order === 'bigint')
    return a.order < b.order ? -1 : a.order > b.order ? 1 : 0;
  return Buffer.compare(a.order as Uint8Array, b.order as Uint8Array);
}

interface Head {
  readonly key: Key;
  readonly record: Uint8Array;
  readonly shard: number;
}

/** A binary min-heap of the shards' next records, by key. */
class KeyHeap {
  readonly #items: Head[] = [];

  push(item: Head): void {
    const items = this.#items;
    items.push(item);
    for (let i = items.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (compareKeys(items[parent]!.key, items[i]!.key) <= 0) break;
      [items[parent], items[i]] = [items[i]!, items[parent]!];
      i = parent;
    }
  }

  pop(): Head | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    for (let i = 0; ;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < items.length && compareKeys(items[left]!.key, items[least]!.key) < 0) least = left;
      if (right < items.length && compareKeys(items[right]!.key, items[least]!.key) < 0) least = right;
      if (least === i) break;
      [items[least], items[i]] = [items[i]!, items[least]!];
      i = least;
    }
    return top;
  }
}
