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
 * hashed ArrayRecord chunks, train and test apart. Runs on a worker thread; the writer only frames
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
  return packResult(
    {
      trainProbes: probes.train.length,
      testProbes: probes.test.length,
      trainRows: probes.trainRows,
      testRows: probes.testRows,
      minRecordBytes: Number.isFinite(probes.minRecordBytes) ? probes.minRecordBytes : 0,
      maxRecordBytes: probes.maxRecordBytes,
    },
    cache.chunks(probes.train),
    cache.chunks(probes.test),
  );
}

async function readRows(task: PartitionTask): Promise<Column[]> {
  if (task.source.kind !== 'parquet') throw new Error('unreachable');
  const { path, offset, limit } = task.source;
  const file = await ParquetFile.fromFile(await openAsBlob(path));
  const table = await file.read({ offset, limit, batchSize: Math.max(1, limit) });
  return columnsFromArrow(tableFromIPC(table.intoIPCStream()), task.specs);
}
