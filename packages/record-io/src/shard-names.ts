import { ShardNameError } from './errors.js';

/** The parts of a shard file name `name-00003-of-00004.ext`. */
export interface ShardName {
  readonly name: string;
  /** 0-based. */
  readonly index: number;
  readonly count: number;
  /** Without the leading dot; `''` when the file has none. */
  readonly extension: string;
}

/** Digits of the index and count; more are used only when the count needs them. */
const WIDTH = 5;
const SHARD_PATTERN = /^(.+)-(\d{5,})-of-(\d{5,})(?:\.([^/\\]+))?$/;

/**
 * The file name of shard `index` (0-based) of `count`, in the TensorFlow / Hugging Face style.
 *
 * @example
 * shardName('train', 3, 4, 'array_record'); // 'train-00003-of-00004.array_record'
 */
export function shardName(name: string, index: number, count: number, extension = ''): string {
  if (typeof name !== 'string' || name.length === 0 || /[/\\]/.test(name)) {
    throw new ShardNameError(
      `shard name must be a non-empty file name without slashes (got "${String(name)}")`,
    );
  }
  if (!Number.isInteger(count) || count < 1) {
    throw new ShardNameError(`shard count must be a positive integer (got ${String(count)})`);
  }
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new ShardNameError(`shard index must be an integer from 0 to ${count - 1} (got ${String(index)})`);
  }
  const ext = extension.startsWith('.') ? extension.slice(1) : extension;
  if (/[/\\]/.test(ext))
    throw new ShardNameError(`shard extension must not contain slashes (got "${extension}")`);
  const width = Math.max(WIDTH, String(count).length);
  const base = `${name}-${String(index).padStart(width, '0')}-of-${String(count).padStart(width, '0')}`;
  return ext === '' ? base : `${base}.${ext}`;
}

/** Every shard name of a set, in order. */
export function shardNames(name: string, count: number, extension = ''): string[] {
  // Validates once through shardName(…, 0, …), so a bad count fails before any allocation.
  shardName(name, 0, count, extension);
  return Array.from({ length: count }, (_, index) => shardName(name, index, count, extension));
}

/**
 * Parses a shard file name (no directory); throws `PREPKIT_SHARD_NAME_INVALID` for any other name.
 *
 * @example
 * parseShardName('train-00003-of-00004.array_record');
 * // { name: 'train', index: 3, count: 4, extension: 'array_record' }
 */
export function parseShardName(fileName: string): ShardName {
  const match = SHARD_PATTERN.exec(fileName);
  if (match === null) {
    throw new ShardNameError(`"${fileName}" is not a shard name like name-00000-of-00004.ext`);
  }
  const [, name = '', indexDigits = '', countDigits = '', extension = ''] = match;
  const index = Number(indexDigits);
  const count = Number(countDigits);
  if (count < 1 || index >= count) {
    throw new ShardNameError(`"${fileName}": shard index ${index} is out of range for ${count} shards`);
  }
  return Object.freeze({ name, index, count, extension });
}
