import { basename, dirname, extname, join } from 'node:path';
import { shardName } from '@prepkit/record-io';

/** Which split a file holds. */
export type Split = 'train' | 'valid';
export const SPLITS: readonly Split[] = Object.freeze(['train', 'valid']);

/** The suffix of a shard file's root index: one `<root id>\t<lines>\n` per thread, in file order. */
export const ROOTS_SUFFIX = '.roots';

/**
 * Shard `index` of `count` of the output `path`: record-io's `shardName` of its base name and extension, in
 * its directory (`out/train.jsonl`, 1 of 3 → `out/train-00001-of-00003.jsonl`).
 */
export function shardPath(path: string, index: number, count: number): string {
  const ext = extname(path);
  return join(dirname(path), shardName(basename(path, ext), index, count, ext.slice(1)));
}

/** The root index beside a shard file, which `merge` orders its lines by (`train-00001-of-00003.jsonl.roots`). */
export function rootsPath(shardFile: string): string {
  return `${shardFile}${ROOTS_SUFFIX}`;
}

/** One file a run writes: a split's whole output, or one shard of it with its root index. */
export interface OutputTarget {
  readonly split: Split;
  readonly index: number;
  readonly path: string;
  /** The root index (sharded outputs only). */
  readonly roots?: string;
}

/**
 * The files of a run: `train`/`valid` as given when unsharded; else shard `only` (a `--shard i/n` run) or
 * every shard of `count`, each with its root index.
 */
export function outputTargets(
  paths: { readonly train: string; readonly valid: string },
  count: number,
  only?: number,
): OutputTarget[] {
  if (count === 1 && only === undefined) {
    return SPLITS.map((split) => ({ split, index: 0, path: paths[split] }));
  }
  const indexes = only === undefined ? Array.from({ length: count }, (_, i) => i) : [only];
  return SPLITS.flatMap((split) =>
    indexes.map((index) => {
      const path = shardPath(paths[split], index, count);
      return { split, index, path, roots: rootsPath(path) };
    }),
  );
}
