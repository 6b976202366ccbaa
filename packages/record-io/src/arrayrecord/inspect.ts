import { stat } from 'node:fs/promises';
import { ArrayRecordReader } from './arrayrecord-reader.js';
import { parseWriterOptions } from './writer-options.js';
import type { ArrayRecordOptions } from './writer-options.js';

export interface ArrayRecordInspection {
  readonly path: string;
  readonly fileSize: number;
  readonly records: number;
  readonly chunks: number;
  readonly groupSize: number;
  readonly writerOptions: string;
  /** The options parsed from `writerOptions`, when it is present and valid. */
  readonly options: ArrayRecordOptions | undefined;
  /** Sum of the data chunks' compressed sizes, block headers and padding included. */
  readonly dataBytes: number;
}

/** What a CLI prints about a file: counts, sizes and options, read from its footer only. */
export async function inspect(path: string): Promise<ArrayRecordInspection> {
  await using reader = await ArrayRecordReader.open(path);
  const { info } = reader;
  let options: ArrayRecordOptions | undefined;
  try {
    options = info.writerOptions === '' ? undefined : parseWriterOptions(info.writerOptions);
  } catch {
    options = undefined;
  }
  return {
    path,
    fileSize: (await stat(path)).size,
    records: info.records,
    chunks: info.chunks,
    groupSize: info.groupSize,
    writerOptions: info.writerOptions,
    options,
    dataBytes: info.footerOffset - (info.chunkOffsets[0] ?? info.footerOffset),
  };
}
