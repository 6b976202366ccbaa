import { availableParallelism } from 'node:os';
import { InvalidOptionError } from './errors.js';
import { assertOneOf, assertPositiveInteger } from '@prepkit/bench-harness/errors';

export type ParquetCompression = 'zstd' | 'snappy' | 'gzip' | 'none';

export interface ParquetWriterOptions {
  /**
   * Page compression. Default: 'zstd'. parquet-wasm 0.8 exposes no codec level, so codecs run at
   * arrow-rs's defaults (zstd 3, gzip 6; zstd 3 is also DuckDB's default).
   */
  compression?: ParquetCompression;
  /**
   * Rows per row group. Default: 65,536: a few tens of MB for embedding-sized rows (measured in
   * docs/record-io-parquet.md). Memory holds about `2 * threads + 1` row groups.
   */
  rowGroupSize?: number;
  /**
   * Worker threads that encode row groups (zstd encoding dominates write time). Default:
   * `os.availableParallelism()`. They start with the second row group, so a one-row-group file
   * starts none; 1 encodes everything on the caller's thread. The bytes are the same whatever the count.
   */
  threads?: number;
  /** Key-value metadata stored in the file footer. */
  metadata?: Readonly<Record<string, string>>;
  /** Aborts the write: the temporary file is removed and `write`/`close` reject. */
  signal?: AbortSignal;
  /** Permission bits of the new file (before the umask). Default: 0o666. */
  mode?: number;
}

export interface ResolvedParquetWriterOptions {
  readonly compression: ParquetCompression;
  readonly rowGroupSize: number;
  readonly threads: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly signal: AbortSignal | undefined;
  readonly mode: number | undefined;
}

/** Defaults; `threads` defaults to `os.availableParallelism()`. */
export const DEFAULT_PARQUET_WRITER_OPTIONS = Object.freeze({
  compression: 'zstd',
  rowGroupSize: 65_536,
} as const);

const COMPRESSIONS: readonly ParquetCompression[] = ['zstd', 'snappy', 'gzip', 'none'];

export function resolveParquetWriterOptions(
  options: ParquetWriterOptions = {},
): ResolvedParquetWriterOptions {
  const compression = options.compression ?? DEFAULT_PARQUET_WRITER_OPTIONS.compression;
  assertOneOf('compression', compression, COMPRESSIONS);
  const rowGroupSize = options.rowGroupSize ?? DEFAULT_PARQUET_WRITER_OPTIONS.rowGroupSize;
  assertPositiveInteger('rowGroupSize', rowGroupSize);
  const threads = options.threads ?? availableParallelism();
  assertPositiveInteger('threads', threads);
  const metadata = { ...(options.metadata ?? {}) };
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') throw new InvalidOptionError(`options.metadata.${key} must be a string`);
  }
  return Object.freeze({
    compression,
    rowGroupSize,
    threads,
    metadata: Object.freeze(metadata),
    signal: options.signal,
    mode: options.mode,
  });
}
