import { existsSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { assertNonEmptyString, assertPositiveInteger, throwIfAborted } from '@prepkit/bench-harness/errors';
import {
  MANIFEST_FILE,
  beginOutputSet,
  openAtomicFile,
  prepareOutputDirectory,
  readManifest,
  removeStaleTemporaries,
} from '@prepkit/record-io';
import type { AtomicFile, Manifest } from '@prepkit/record-io';
import { ShardFileError } from './errors.js';
import { rootsPath, shardPath, SPLITS } from './shard-files.js';
import type { Split } from './shard-files.js';
import { compareIds } from './shard-plan.js';
import { TOOL } from './version.js';
import type { PreparedFile } from './write-outputs.js';

export interface MergeOptions {
  /** The train output to write; its shards are `train-0000i-of-0000n.jsonl` beside it. */
  train: string;
  valid: string;
  /** How many shards the set has. */
  shards: number;
  /** Remove the shard files and their root indexes once the merged output and its manifest are written. */
  removeShards?: boolean;
  /** Replace a complete earlier output of the same names. Default: false. */
  overwrite?: boolean;
  /** Write `manifest.json`. Default: true. */
  manifest?: boolean;
  signal?: AbortSignal;
}

export interface MergeResult {
  readonly train: PreparedFile;
  readonly valid: PreparedFile;
  /** Shard files read (JSONL and root indexes). */
  readonly inputs: readonly string[];
  readonly manifests: readonly string[];
  /** Shard files removed (`removeShards`). */
  readonly removed: readonly string[];
}

/**
 * Merges the shard files of a sharded prepare (`--shards n`, or n `--shard i/n` runs) into the one-file
 * output, byte for byte what an unsharded run writes: a k-way merge of the n files per split by thread root
 * id, each thread's lines taken whole, as each file's root index lists them. Every shard file must exist
 * (else a `ShardFileError` naming the first missing one, before anything is written); the outputs are written
 * atomically, `manifest.json` last (it keeps the configuration and inputs of the shards' manifest, if any).
 *
 * @example
 * await mergeShards({ train: 'out/train.jsonl', valid: 'out/valid.jsonl', shards: 8 });
 */
export async function mergeShards(options: MergeOptions): Promise<MergeResult> {
  assertNonEmptyString('train', options.train);
  assertNonEmptyString('valid', options.valid);
  assertPositiveInteger('shards', options.shards);
  const paths = { train: resolve(options.train), valid: resolve(options.valid) };
  const n = options.shards;
  const inputs: { split: Split; file: string; roots: string }[] = [];
  for (const split of SPLITS) {
    for (let i = 0; i < n; i++) {
      const file = shardPath(paths[split], i, n);
      inputs.push({ split, file, roots: rootsPath(file) });
    }
  }
  for (const input of inputs) {
    for (const path of [input.file, input.roots]) {
      if (!existsSync(path))
        throw new ShardFileError(path, `missing: merge needs all ${n} shards of each split`);
    }
  }
  const dirs = [...new Set([dirname(paths.train), dirname(paths.valid)])];
  const earlier = new Map<string, Manifest | undefined>();
  for (const dir of dirs) {
    await prepareOutputDirectory(dir);
    await removeStaleTemporaries(dir);
    earlier.set(dir, await readManifest(dir).catch(() => undefined));
  }
  const written: Partial<Record<Split, PreparedFile>> = {};
  const files: AtomicFile[] = [];
  try {
    for (const split of SPLITS) {
      const out = await openAtomicFile(paths[split]);
      files.push(out);
      const records = await mergeSplit(
        out,
        inputs.filter((input) => input.split === split),
        options.signal,
      );
      written[split] = { path: out.path, records, bytes: out.bytesWritten };
    }
    throwIfAborted(options.signal, 'merge');
    const sets = [];
    for (const dir of dirs) {
      const names = SPLITS.filter((split) => dirname(paths[split]) === dir).map((split) =>
        basename(paths[split]),
      );
      sets.push(await beginOutputSet(dir, { files: names, overwrite: options.overwrite === true }));
    }
    for (const file of files) await file.commit();
    const manifests: string[] = [];
    if (options.manifest !== false) {
      for (const set of sets) {
        const shardManifest = earlier.get(set.dir);
        await set.commit({
          tool: TOOL,
          config: shardManifest?.config ?? { shards: n },
          inputs: shardManifest?.inputs ?? inputs.map((input) => ({ path: input.file })),
          outputs: SPLITS.filter((split) => dirname(paths[split]) === set.dir).map((split) => ({
            path: written[split]!.path,
            records: written[split]!.records,
          })),
          phases: [],
        });
        manifests.push(set.path(MANIFEST_FILE));
      }
    }
    const removed: string[] = [];
    if (options.removeShards === true) {
      for (const input of inputs) {
        for (const path of [input.file, input.roots]) {
          await rm(path, { force: true });
          removed.push(path);
        }
      }
    }
    return {
      train: written.train!,
      valid: written.valid!,
      inputs: inputs.flatMap((input) => [input.file, input.roots]),
      manifests,
      removed,
    };
  } finally {
    for (const file of files) await file.abort();
  }
}

interface Head {
  readonly shard: number;
  root: string;
  lines: number;
  /** 1-based line of the root index it came from. */
  line: number;
}

/** Writes one split's threads in root id order from its shard files; returns the lines written. */
async function mergeSplit(
  out: AtomicFile,
  inputs: readonly { file: string; roots: string }[],
  signal: AbortSignal | undefined,
): Promise<number> {
  const data = await Promise.all(inputs.map((input) => LineSource.open(input.file)));
  const indexes = await Promise.all(inputs.map((input) => LineSource.open(input.roots)));
  try {
    const heap: Head[] = [];
    const next = async (shard: number, previous: Head | undefined): Promise<Head | undefined> => {
      const bytes = await indexes[shard]!.take(1);
      const line = (previous?.line ?? 0) + 1;
      if (bytes.byteLength === 0) return undefined;
      const match = /^(\d{1,19})\t([1-9]\d*)\n$/.exec(bytes.toString('utf8'));
      const where = `${inputs[shard]!.roots}:${line}`;
      if (match === null) throw new ShardFileError(where, 'not a "<root id>\\t<lines>" line');
      const head = { shard, root: match[1]!, lines: Number(match[2]), line };
      if (previous !== undefined && compareIds(previous.root, head.root) >= 0)
        throw new ShardFileError(where, `root ${head.root} is not after ${previous.root}`);
      return head;
    };
    for (let shard = 0; shard < inputs.length; shard++) {
      const head = await next(shard, undefined);
      if (head !== undefined) push(heap, head);
    }
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let records = 0;
    let last: Head | undefined;
    while (heap.length > 0) {
      const head = pop(heap);
      if (last !== undefined && last.root === head.root) {
        throw new ShardFileError(
          inputs[head.shard]!.roots,
          `root ${head.root} is also in ${inputs[last.shard]!.roots}: the files are of different runs`,
        );
      }
      const bytes = await data[head.shard]!.take(head.lines);
      if (data[head.shard]!.shortBy > 0) {
        throw new ShardFileError(
          inputs[head.shard]!.file,
          `ends ${data[head.shard]!.shortBy} line(s) short of what ${inputs[head.shard]!.roots}:${head.line} lists`,
        );
      }
      pending.push(bytes);
      pendingBytes += bytes.byteLength;
      records += head.lines;
      if (pendingBytes >= 1 << 20) {
        throwIfAborted(signal, 'merge');
        await out.write(Buffer.concat(pending));
        pending = [];
        pendingBytes = 0;
      }
      last = head;
      const following = await next(head.shard, head);
      if (following !== undefined) push(heap, following);
    }
    if (pending.length > 0) await out.write(Buffer.concat(pending));
    for (let shard = 0; shard < inputs.length; shard++) {
      if ((await data[shard]!.take(1)).byteLength > 0)
        throw new ShardFileError(inputs[shard]!.file, `has more lines than ${inputs[shard]!.roots} lists`);
    }
    return records;
  } finally {
    for (const source of [...data, ...indexes]) await source.close();
  }
}

function less(a: Head, b: Head): boolean {
  return compareIds(a.root, b.root) < 0 || (a.root === b.root && a.shard < b.shard);
}

function push(heap: Head[], head: Head): void {
  heap.push(head);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!less(heap[i]!, heap[parent]!)) break;
    [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
    i = parent;
  }
}

function pop(heap: Head[]): Head {
  const top = heap[0]!;
  const last = heap.pop()!;
  if (heap.length > 0) {
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  }
  return top;
}

/** Reads a file's `\n`-terminated lines a few at a time, as raw bytes. */
class LineSource {
  readonly #handle: FileHandle;
  #buffer = Buffer.alloc(0);
  #at = 0;
  #ended = false;
  /** Lines the last `take` lacked because the file ended. */
  shortBy = 0;

  private constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  static async open(path: string): Promise<LineSource> {
    return new LineSource(await open(path, 'r'));
  }

  /** The next `count` lines (fewer at the end of the file; a last line without `\n` counts as one). */
  async take(count: number): Promise<Buffer> {
    let end = this.#at;
    let found = 0;
    while (found < count) {
      const newline = this.#buffer.indexOf(10, end);
      if (newline >= 0) {
        end = newline + 1;
        found++;
      } else if (this.#ended) {
        if (end < this.#buffer.byteLength) {
          end = this.#buffer.byteLength;
          found++;
        }
        break;
      } else {
        // Refilling moves the unread bytes (from #at) to the front.
        end -= this.#at;
        await this.#fill(this.#at);
      }
    }
    const lines = this.#buffer.subarray(this.#at, end);
    this.#at = end;
    this.shortBy = count - found;
    return lines;
  }

  /** Keeps the bytes from `from` on, at the front, and appends the next block of the file. */
  async #fill(from: number): Promise<void> {
    const block = Buffer.allocUnsafe(1 << 20);
    const { bytesRead } = await this.#handle.read(block, 0, block.byteLength, null);
    if (bytesRead === 0) this.#ended = true;
    this.#buffer = Buffer.concat([this.#buffer.subarray(from), block.subarray(0, bytesRead)]);
    this.#at = 0;
  }

  close(): Promise<void> {
    return this.#handle.close();
  }
}
