import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { ArrayRecordReader, MANIFEST_FILE, readManifest, verify } from '@prepkit/record-io';
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

/**
 * What an output directory is: `complete` (manifest.json matches every file), `incomplete` (no manifest.json:
 * the build was interrupted or is still running, and its files are not to be used) or `mismatch` (the files
 * differ from their manifest, or the manifest is unreadable: corrupt). `null` for a single file.
 */
export type OutputStatus = 'complete' | 'incomplete' | 'mismatch';

export interface Inspection {
  readonly files: readonly FileInspection[];
  readonly status: OutputStatus | null;
  /** For a directory with a manifest.json: whether every file matches it. */
  readonly manifest: VerifyReport | null;
  /** Why the manifest could not be read, when it could not. */
  readonly manifestError: string | null;
}

/**
 * What `probe-rows inspect` prints: per file counts, record sizes, key range and a sample record, and for a
 * directory whether it is a complete output. A directory's files are those its manifest lists, or, without a
 * manifest, the ArrayRecord files it holds.
 */
export async function inspectOutput(target: string): Promise<Inspection> {
  const info = await stat(target).catch((error: unknown) => {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
    throw new ProbeRowsInputError(`${target} does not exist`, { cause: error });
  });
  if (!info.isDirectory())
    return { files: [await inspectFile(target)], status: null, manifest: null, manifestError: null };
  if (!existsSync(join(target, MANIFEST_FILE))) {
    const present = (await readdir(target)).filter((f) => f.endsWith('.array_record')).sort();
    const files: FileInspection[] = [];
    for (const file of present) files.push(await inspectFile(join(target, file)));
    return { files, status: 'incomplete', manifest: null, manifestError: null };
  }
  let manifest: VerifyReport;
  let listed: string[];
  try {
    listed = (await readManifest(target)).outputs.map((o) => o.path);
    manifest = await verify(target);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { files: [], status: 'mismatch', manifest: null, manifestError: reason };
  }
  if (!manifest.ok) return { files: [], status: 'mismatch', manifest, manifestError: null };
  const files: FileInspection[] = [];
  for (const file of listed.filter((f) => f.endsWith('.array_record')))
    files.push(await inspectFile(join(target, file)));
  return { files, status: 'complete', manifest, manifestError: null };
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
