import { AbortedError } from '@prepkit/bench-harness/errors';
import { OutputLocationError } from '@prepkit/record-io';
import type { ResolvedBuildOptions } from './build-options.js';
import { duckdbErrorType, duckdbReason } from './duckdb.js';
import { OutOfMemoryError, ProbeRowsInputError } from './errors.js';

/**
 * What a failed build reports: an interruption as such; DuckDB running out of memory with what to do about
 * it; DuckDB finding the disk full (spilling or sorting into `scratch`) as the location that is full; a
 * Parquet file that turns out unreadable only once its pages are read as bad input. Anything else as it is.
 */
export function buildFailure(error: unknown, o: ResolvedBuildOptions, scratch: string): unknown {
  if (o.signal?.aborted === true)
    return error instanceof AbortedError ? error : new AbortedError('probe-rows build', { cause: error });
  const type = duckdbErrorType(error);
  if (type === 'Out of Memory')
    return new OutOfMemoryError(o.memoryLimitGb, duckdbReason(error), { cause: error });
  if (type === undefined) return error;
  const reason = duckdbReason(error);
  if (/no space left on device/i.test(reason)) {
    // DuckDB names the file it could not write; the scratch directory is where all its files go.
    const file = /"([^"]+)"/.exec(reason)?.[1] ?? scratch;
    return new OutputLocationError(file, 'no space left on device', error);
  }
  if (type === 'IO' || type === 'Invalid Input') return inputReadError(error, o.input);
  return error;
}

/** A file DuckDB cannot find or read as Parquet: "cannot read the input <globs>: <DuckDB's first line>". */
export function inputReadError(error: unknown, globs: readonly string[]): ProbeRowsInputError {
  return new ProbeRowsInputError(`cannot read the input ${globs.join(', ')}: ${duckdbReason(error)}`, {
    cause: error,
  });
}
