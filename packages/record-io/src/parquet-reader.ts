import { openAsBlob } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';
import type { RecordBatch } from 'apache-arrow';
import { ParquetFile } from 'parquet-wasm';
import type { RecordBatch as WasmRecordBatch } from 'parquet-wasm';
import { InvalidOptionError, ParquetIoError } from './errors.js';
import { assertPositiveInteger } from '@prepkit/bench-harness/errors';

export interface ParquetReaderOptions {
  /** Rows per yielded batch (batches never span row groups, so some are shorter). Default: 65,536. */
  batchSize?: number;
  /** Read only these columns. Default: all. */
  columns?: readonly string[];
  /** Read only these row groups (0-based). Default: all. */
  rowGroups?: readonly number[];
  /** Stops the read; the iterator rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface ParquetFileInfo {
  readonly rows: number;
  readonly rowGroups: readonly { readonly rows: number; readonly compressedBytes: number }[];
  readonly createdBy: string | undefined;
  readonly metadata: Readonly<Record<string, string>>;
}

export const DEFAULT_PARQUET_READER_OPTIONS = Object.freeze({ batchSize: 65_536 });

/**
 * Reads a Parquet file as Arrow record batches, decoding a row group at a time from a file-backed
 * Blob, so memory holds about one row group however large the file.
 *
 * @example
 * for await (const batch of readParquetBatches('train.parquet', { columns: ['id', 'embedding'] })) {
 *   const ids = batch.getChild('id')!.toArray(); // BigInt64Array
 * }
 */
export async function* readParquetBatches(
  path: string,
  options: ParquetReaderOptions = {},
): AsyncGenerator<RecordBatch> {
  const batchSize = options.batchSize ?? DEFAULT_PARQUET_READER_OPTIONS.batchSize;
  assertPositiveInteger('batchSize', batchSize);
  const rowGroups = options.rowGroups === undefined ? undefined : [...options.rowGroups];
  if (rowGroups?.some((i) => !Number.isInteger(i) || i < 0)) {
    throw new InvalidOptionError('options.rowGroups must be non-negative integers');
  }
  const { signal } = options;
  signal?.throwIfAborted();
  const file = await openParquetFile(path);
  try {
    let stream: ReadableStream<WasmRecordBatch>;
    try {
      stream = (await file.stream({
        batchSize,
        ...(options.columns === undefined ? {} : { columns: [...options.columns] }),
        ...(rowGroups === undefined ? {} : { rowGroups }),
      })) as ReadableStream<WasmRecordBatch>;
    } catch (error) {
      throw new ParquetIoError(path, 'read', error);
    }
    const reader = stream.getReader();
    try {
      for (;;) {
        signal?.throwIfAborted();
        const next = await reader.read().catch((error: unknown) => {
          throw new ParquetIoError(path, 'read', error);
        });
        if (next.done) break;
        // Decoded in Wasm memory; one IPC copy brings it into apache-arrow.
        yield* tableFromIPC(next.value.intoIPCStream()).batches;
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
  } finally {
    file.free();
  }
}

/** Row count, row groups, writer and key-value metadata of a Parquet file (reads only its footer). */
export async function readParquetMetadata(path: string): Promise<ParquetFileInfo> {
  const file = await openParquetFile(path);
  try {
    const metadata = file.metadata();
    const fileMetadata = metadata.fileMetadata();
    const rowGroups = metadata
      .rowGroups()
      .map((group) => ({ rows: group.numRows(), compressedBytes: group.compressedSize() }));
    const keyValues = Object.fromEntries(
      [...(fileMetadata.keyValueMetadata() as Map<unknown, unknown>)].map(([k, v]) => [String(k), String(v)]),
    );
    return {
      rows: fileMetadata.numRows(),
      rowGroups,
      createdBy: fileMetadata.createdBy(),
      metadata: keyValues,
    };
  } finally {
    file.free();
  }
}

async function openParquetFile(path: string): Promise<ParquetFile> {
  try {
    return await ParquetFile.fromFile(await openAsBlob(path));
  } catch (error) {
    throw new ParquetIoError(path, 'read', error);
  }
}
