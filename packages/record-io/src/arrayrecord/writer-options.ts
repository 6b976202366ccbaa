import { ArrayRecordOptionsError } from './arrayrecord-errors.js';
import type { Compression } from './codecs.js';

/** The options of an ArrayRecord writer, as `ArrayRecordWriterBase::Options` holds them. */
export interface ArrayRecordOptions {
  /** Records per chunk; every chunk but the last holds exactly this many. Grain expects 1. */
  readonly groupSize: number;
  readonly compression: Compression;
  /** A padding chunk after every data chunk, so each begins on a 64 KiB boundary. */
  readonly padToBlockBoundary: boolean;
  /**
   * Recorded as `max_parallelism:N` in the file. It does not set how many threads we encode with
   * (that is the writer's `threads`), so that the bytes never depend on the thread count.
   */
  readonly maxParallelism: number;
}

export const DEFAULT_ARRAYRECORD_OPTIONS: ArrayRecordOptions = Object.freeze({
  groupSize: 1,
  compression: Object.freeze({ kind: 'zstd', level: 3, windowLog: 20 }),
  padToBlockBoundary: false,
  maxParallelism: 1,
});

/**
 * Parses an options string with the grammar of `Options::FromString`
 * (`group_size:1,zstd:3,pad_to_block_boundary:true`…). As there, no compression means `zstd:3`,
 * and zstd without a window_log gets `window_log:20`. Transposed chunks are not supported.
 */
export function parseWriterOptions(text: string): ArrayRecordOptions {
  let groupSize = 1;
  let padToBlockBoundary = false;
  let maxParallelism = 1;
  let compression: { kind: Compression['kind']; level?: number } | undefined;
  let windowLog: number | undefined;
  const items = text.split(',').filter((item) => item.length > 0);
  if (items.includes('default')) {
    if (items.length > 1)
      throw new ArrayRecordOptionsError(`"default" must appear alone in ArrayRecord options: ${text}`);
    return DEFAULT_ARRAYRECORD_OPTIONS;
  }
  const seen = new Set<string>();
  const setCompression = (
    kind: Compression['kind'],
    value: string | undefined,
    range?: [number, number],
  ): void => {
    if (compression !== undefined)
      throw new ArrayRecordOptionsError(
        `conflicting compression options "${compression.kind}" and "${kind}" in: ${text}`,
      );
    compression = {
      kind,
      ...(value === undefined || range === undefined ? {} : { level: integer(kind, value, range) }),
    };
    if (value !== undefined && range === undefined)
      throw new ArrayRecordOptionsError(`"${kind}" takes no value in: ${text}`);
  };
  for (const item of items) {
    const colon = item.indexOf(':');
    const key = colon < 0 ? item : item.slice(0, colon);
    const value = colon < 0 ? undefined : item.slice(colon + 1);
    if (seen.has(key)) throw new ArrayRecordOptionsError(`option "${key}" given twice in: ${text}`);
    seen.add(key);
    switch (key) {
      case 'group_size':
        groupSize = integer(key, required(key, value), [1, 2 ** 31 - 1]);
        break;
      case 'max_parallelism':
        maxParallelism = value === 'auto' ? 1 : integer(key, required(key, value), [1, 2 ** 31 - 1]);
        break;
      case 'saturation_delay_ms':
        integer(key, required(key, value), [0, 2 ** 31 - 1]); // a scheduling hint of the C++ writer: no effect on bytes
        break;
      case 'uncompressed':
      case 'snappy':
        setCompression(key, value);
        break;
      case 'zstd':
        setCompression(key, value, [-131072, 22]);
        break;
      case 'brotli':
        setCompression(key, value, [0, 11]);
        break;
      case 'window_log':
        windowLog = value === 'auto' ? undefined : integer(key, required(key, value), [10, 31]);
        break;
      case 'pad_to_block_boundary':
        padToBlockBoundary = boolean(key, value);
        break;
      case 'transpose':
        if (boolean(key, value))
          throw new ArrayRecordOptionsError('transposed chunks ("transpose:true") are not supported');
        break;
      case 'transpose_bucket_size':
        break; // only meaningful with transpose
      default:
        throw new ArrayRecordOptionsError(`unknown ArrayRecord option "${key}" in: ${text}`);
    }
  }
  const chosen = compression ?? { kind: 'zstd' };
  let resolved: Compression;
  switch (chosen.kind) {
    case 'uncompressed':
      resolved = { kind: 'uncompressed' };
      break;
    case 'snappy':
      if (windowLog !== undefined) throw new ArrayRecordOptionsError('window_log cannot be used with snappy');
      resolved = { kind: 'snappy' };
      break;
    case 'zstd':
      resolved = { kind: 'zstd', level: chosen.level ?? 3, windowLog: windowLog ?? 20 };
      break;
    case 'brotli':
      resolved = {
        kind: 'brotli',
        level: chosen.level ?? 6,
        ...(windowLog === undefined ? {} : { windowLog }),
      };
      break;
  }
  return Object.freeze({ groupSize, compression: resolved, padToBlockBoundary, maxParallelism });
}

/** `Options::ToString`, as stored in the footer's `writer_options`: order and spelling matter. */
export function writerOptionsToString(options: ArrayRecordOptions): string {
  const parts = [
    `group_size:${options.groupSize}`,
    'transpose:false',
    `pad_to_block_boundary:${options.padToBlockBoundary}`,
  ];
  const c = options.compression;
  switch (c.kind) {
    case 'uncompressed':
      parts.push('uncompressed');
      break;
    case 'snappy':
      parts.push('snappy');
      break;
    case 'zstd':
    case 'brotli':
      parts.push(`${c.kind}:${c.level}`);
      if (c.windowLog !== undefined) parts.push(`window_log:${c.windowLog}`);
      break;
  }
  parts.push(`max_parallelism:${options.maxParallelism}`);
  return parts.join(',');
}

function required(key: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new ArrayRecordOptionsError(`option "${key}" needs a value`);
  return value;
}

function integer(key: string, value: string, [min, max]: [number, number]): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || n < min || n > max) {
    throw new ArrayRecordOptionsError(
      `option "${key}" must be an integer from ${min} to ${max} (got "${value}")`,
    );
  }
  return n;
}

function boolean(key: string, value: string | undefined): boolean {
  if (value === undefined || value === 'false') return false; // a bare flag means false since v0.8.4
  if (value === 'true') return true;
  throw new ArrayRecordOptionsError(`option "${key}" must be true or false (got "${value}")`);
}
