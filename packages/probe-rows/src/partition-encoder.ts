import { openAsBlob } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';
import { ParquetFile } from 'parquet-wasm';
import { createChunkEncoder, parseWriterOptions } from '@prepkit/record-io';
import { columnsFromArrow } from './columns-from-arrow.js';
import type { Column } from './columns.js';
import { IpcRecordEncoder } from './ipc-record-encoder.js';
import { packResult } from './partition-task.js';
import type { PartitionTask } from './partition-task.js';
import { encodeProbes } from './probe-encoding.js';

let cache:
  { key: string; ipc: IpcRecordEncoder; chunks: (records: readonly Uint8Array[]) => ArrayBuffer } | undefined;

/**
 * Encodes one partition: reads its rows (a row range of the sorted Parquet file, or columns sent
 * along), cuts them into probes, encodes each as an Arrow IPC record and those as compressed,
 * hashed ArrayRecord chunks, train and test apart, and each file (shard) of a split apart. Runs on a worker thread; the writer only frames
 * and appends what it returns.
 */
export async function encodePartition(task: PartitionTask): Promise<ArrayBuffer> {
  const key = JSON.stringify([task.specs, task.writerOptions]);
  if (cache?.key !== key) {
    cache = {
      key,
      ipc: new IpcRecordEncoder(task.specs),
      chunks: await createChunkEncoder(parseWriterOptions(task.writerOptions)),
    };
  }
  const columns = task.source.kind === 'columns' ? task.source.columns : await readRows(task);
  const probes = encodeProbes(columns, cache.ipc, task);
  const { chunks } = cache;
  return packResult(
    {
      trainProbes: probes.train.length,
      testProbes: probes.test.length,
      trainRows: probes.trainRows,
      testRows: probes.testRows,
      minRecordBytes: Number.isFinite(probes.minRecordBytes) ? probes.minRecordBytes : 0,
      maxRecordBytes: probes.maxRecordBytes,
    },
    byShard(probes.train, probes.trainShards, task.shards).map(chunks),
    byShard(probes.test, probes.testShards, task.shards).map(chunks),
  );
}

/** The records of each file, in their order: record i goes to file `shards[i]`. */
function byShard(records: readonly Uint8Array[], shards: readonly number[], ways: number): Uint8Array[][] {
  if (ways === 1) return [records as Uint8Array[]];
  const files: Uint8Array[][] = Array.from({ length: ways }, () => []);
  records.forEach((record, i) => files[shards[i]!]!.push(record));
  return files;
}

async function readRows(task: PartitionTask): Promise<Column[]> {
  if (task.source.kind !== 'parquet') throw new Error('unreachable');
  const { path, offset, limit } = task.source;
  const file = await ParquetFile.fromFile(await openAsBlob(path));
  const table = await file.read({ offset, limit, batchSize: Math.max(1, limit) });
  return columnsFromArrow(tableFromIPC(table.intoIPCStream()), task.specs);
}
