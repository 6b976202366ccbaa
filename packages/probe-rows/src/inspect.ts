import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { ArrayRecordReader, verify } from '@prepkit/record-io';
import type { VerifyReport } from '@prepkit/record-io';
import { ProbeRowsInputError } from './errors.js';

export interface FileInspection {
  readonly path: string;
  readonly records: number;
  readonly bytes: number;
  readonly writerOptions: string;
  readonly recordBytes: { readonly min: number; readonly mean: number; readonly max: number };
  /** Group keys of the first and last record (records are ordered by key). */
  readonly keyRange: readonly [string, string] | null;
  readonly measurements: number;
  /** The first record, decoded. */
  readonly sample: Table | null;
}

export interface Inspection {
  readonly files: readonly FileInspection[];
  /** For a directory with a manifest.json: whether every file matches it. */
  readonly manifest: VerifyReport | null;
}

/** What `probe-rows inspect` prints: per file counts, record sizes, key range and a sample record. */
export async function inspectOutput(target: string): Promise<Inspection> {
  const info = await stat(target).catch((error: unknown) => {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
    throw new ProbeRowsInputError(`${target} does not exist`, { cause: error });
  });
  const files = info.isDirectory()
    ? ['train.array_record', 'test.array_record'].map((f) => join(target, f))
    : [target];
  const inspections: FileInspection[] = [];
  for (const file of files) inspections.push(await inspectFile(file));
  const manifest = info.isDirectory() ? await verify(target).catch(() => null) : null;
  return { files: inspections, manifest };
}

async function inspectFile(path: string): Promise<FileInspection> {
  await using reader = await ArrayRecordReader.open(path);
  let min = Infinity;
  let max = 0;
  let total = 0;
  let measurements = 0;
  let first: Uint8Array | undefined;
  let last: Uint8Array | undefined;
  for await (const record of reader) {
    min = Math.min(min, record.length);
    max = Math.max(max, record.length);
    total += record.length;
    measurements += tableFromIPC(record).numRows;
    first ??= record;
    last = record;
  }
  const keyOf = (record: Uint8Array): string => String(tableFromIPC(record).getChildAt(0)?.get(0));
  return {
    path,
    records: reader.length,
    bytes: reader.info.fileSize,
    writerOptions: reader.info.writerOptions,
    recordBytes: {
      min: reader.length === 0 ? 0 : min,
      mean: reader.length === 0 ? 0 : total / reader.length,
      max,
    },
    keyRange: first === undefined || last === undefined ? null : [keyOf(first), keyOf(last)],
    measurements,
    sample: first === undefined ? null : tableFromIPC(first),
  };
}
