import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import {
  MANIFEST_FILE,
  OutputExistsError,
  beginOutputSet,
  openAtomicFile,
  prepareOutputDirectory,
  readManifest,
  removeStaleTemporaries,
  shardOf,
} from '@prepkit/record-io';
import type { AtomicFile, OutputSet } from '@prepkit/record-io';
import { throwIfAborted } from '@prepkit/bench-harness/errors';
import type { FormatResult, RootRun } from './format-batch.js';
import type { PhaseProgress } from './progress.js';
import type { OutputTarget, Split } from './shard-files.js';

/** A file a run wrote. */
export interface PreparedFile {
  readonly path: string;
  /** Examples (lines) in the file. */
  readonly records: number;
  readonly bytes: number;
}

/** A written output file: its split and shard, and its root index when sharded. */
export interface WrittenTarget extends PreparedFile {
  readonly split: Split;
  readonly index: number;
  readonly roots?: PreparedFile;
}

export interface Written {
  /** Output sets begun (none for a `--shard` run, which writes no manifest). */
  readonly sets: OutputSet[];
  readonly files: WrittenTarget[];
  readonly tooShort: number;
  readonly tooLong: number;
}

export interface WriteOptions {
  readonly overwrite: boolean;
  /** The shard count the targets are cut by (1: unsharded). */
  readonly count: number;
  /** A `--shard i/n` run: only its own files, no output set, no manifest. */
  readonly partial: boolean;
}

/** The directories of `targets` (train and valid may be apart), with the file names in each. */
function directories(targets: readonly OutputTarget[]): Map<string, string[]> {
  const files = new Map<string, string[]>();
  for (const target of targets) {
    const names = [target.path, ...(target.roots === undefined ? [] : [target.roots])].map((p) =>
      basename(p),
    );
    files.set(dirname(target.path), [...(files.get(dirname(target.path)) ?? []), ...names]);
  }
  return files;
}

/**
 * Before writing: each output directory exists and can be written (else one line naming it), and
 * the temporaries a killed run left there are gone, so their space is free for this run. Other
 * writers' temporaries (live processes, other hosts) are left alone, so shards may share a directory.
 */
export async function prepareOutputs(targets: readonly OutputTarget[]): Promise<void> {
  for (const dir of directories(targets).keys()) {
    await prepareOutputDirectory(dir);
    await removeStaleTemporaries(dir);
  }
}

/**
 * Once every file is written under a temporary name: one output set per directory, which refuses a complete
 * earlier output unless `overwrite` and takes the old manifest away before any new file is committed. Begun
 * this late so that a run that fails while writing (a full disk, Ctrl-C) leaves an earlier output whole.
 *
 * A `--shard` run begins no set: other shards write beside it. It refuses only a manifest that lists one of
 * its own files (unless `overwrite`, which then removes that manifest, as it no longer describes them).
 */
async function beginOutputs(targets: readonly OutputTarget[], options: WriteOptions): Promise<OutputSet[]> {
  const sets: OutputSet[] = [];
  for (const [dir, names] of directories(targets)) {
    if (!options.partial) {
      sets.push(await beginOutputSet(dir, { files: names, overwrite: options.overwrite }));
      continue;
    }
    const manifestPath = join(dir, MANIFEST_FILE);
    if (!existsSync(manifestPath)) continue;
    const listed = await readManifest(dir).then(
      (manifest) => new Set(manifest.outputs.map((output) => output.path)),
      () => new Set<string>(),
    );
    const taken = names.find((name) => listed.has(name) && existsSync(join(dir, name)));
    if (taken === undefined) continue;
    if (!options.overwrite) throw new OutputExistsError(join(dir, taken));
    await rm(manifestPath, { force: true });
  }
  return sets;
}

interface OpenTarget {
  readonly target: OutputTarget;
  readonly file: AtomicFile;
  readonly roots: AtomicFile | undefined;
  records: number;
  pending: Uint8Array[];
  index: string;
  /** The thread whose lines came last, counted until another begins: a batch may end inside a thread. */
  root: string;
  rootLines: number;
}

/**
 * Writes the batches' bytes, in input order, to temporary files beside the targets, and renames them onto
 * the targets only when all are complete. Sharded, each thread's lines go to the file of
 * `shardOf(root id, count)`, and a line `<root id>\t<lines>` to its root index. A failure or Ctrl-C removes
 * the temporary files.
 */
export async function writeOutputs(
  targets: readonly OutputTarget[],
  options: WriteOptions,
  results: AsyncIterable<FormatResult>,
  total: number,
  phase: PhaseProgress,
  signal: AbortSignal | undefined,
): Promise<Written> {
  const open = new Map<string, OpenTarget>();
  const all: AtomicFile[] = [];
  try {
    for (const target of targets) {
      const file = await openAtomicFile(target.path);
      all.push(file);
      const roots = target.roots === undefined ? undefined : await openAtomicFile(target.roots);
      if (roots !== undefined) all.push(roots);
      open.set(`${target.split}:${target.index}`, {
        target,
        file,
        roots,
        records: 0,
        pending: [],
        index: '',
        root: '',
        rootLines: 0,
      });
    }
    return await writeAll(targets, options, open, results, total, phase, signal);
  } finally {
    // Removes the temporaries of whatever was not committed (abort does nothing to a committed file).
    for (const file of all) await file.abort();
  }
}

async function writeAll(
  targets: readonly OutputTarget[],
  options: WriteOptions,
  open: Map<string, OpenTarget>,
  results: AsyncIterable<FormatResult>,
  total: number,
  phase: PhaseProgress,
  signal: AbortSignal | undefined,
): Promise<Written> {
  const sharded = targets.some((target) => target.roots !== undefined);
  const counts = { tooShort: 0, tooLong: 0 };
  phase.setTotal(total);
  const route = (split: Split, bytes: Uint8Array, runs: readonly RootRun[]): void => {
    if (!sharded) {
      const only = open.get(`${split}:0`)!;
      if (bytes.byteLength > 0) only.pending.push(bytes);
      only.records += runs.reduce((sum, run) => sum + run.lines, 0);
      return;
    }
    let offset = 0;
    for (const run of runs) {
      const index = shardOf(run.root, options.count);
      const out = open.get(`${split}:${index}`);
      if (out === undefined) {
        // The read selected this shard's threads only: a bug, not an input problem.
        throw new Error(
          `prepare: thread ${run.root} belongs to shard ${index}, which this run does not write`,
        );
      }
      out.pending.push(bytes.subarray(offset, offset + run.bytes));
      if (run.root !== out.root) {
        if (out.rootLines > 0) out.index += `${out.root}\t${out.rootLines}\n`;
        out.root = run.root;
        out.rootLines = 0;
      }
      out.rootLines += run.lines;
      out.records += run.lines;
      offset += run.bytes;
    }
  };
  for await (const result of results) {
    throwIfAborted(signal, 'prepare');
    route('train', result.train, result.trainRuns);
    route('valid', result.valid, result.validRuns);
    // One write per file and batch: a sharded batch is cut into many small pieces.
    for (const out of open.values()) {
      if (out.pending.length > 0) await out.file.write(Buffer.concat(out.pending));
      if (out.index !== '' && out.roots !== undefined) await out.roots.write(out.index);
      out.pending = [];
      out.index = '';
    }
    counts.tooShort += result.tooShort;
    counts.tooLong += result.tooLong;
    phase.advance(result.trainExamples + result.validExamples + result.tooShort + result.tooLong);
  }
  throwIfAborted(signal, 'prepare');
  for (const out of open.values()) {
    if (out.rootLines > 0 && out.roots !== undefined)
      await out.roots.write(`${out.root}\t${out.rootLines}\n`);
  }
  const sets = await beginOutputs(targets, options);
  const files: WrittenTarget[] = [];
  for (const out of open.values()) {
    await out.file.commit();
    await out.roots?.commit();
    files.push({
      split: out.target.split,
      index: out.target.index,
      path: out.file.path,
      records: out.records,
      bytes: out.file.bytesWritten,
      ...(out.roots === undefined
        ? {}
        : { roots: { path: out.roots.path, records: out.records, bytes: out.roots.bytesWritten } }),
    });
  }
  return { sets, files, ...counts };
}

/** `path` relative to `dir`, with `/` separators (as manifests and summaries list files). */
export function relativePath(dir: string, path: string): string {
  return relative(dir, path).split('\\').join('/');
}
