import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { AbortedError, throwIfAborted } from '@prepkit/bench-harness/errors';
import { openDuckDB } from '@prepkit/db-cursors';
import type { DuckDB } from '@prepkit/db-cursors';
import { openAtomicFile, prepareOutputDirectory } from '@prepkit/record-io';
import { interruptOnAbort } from './duckdb.js';
import { OutputExistsError } from './errors.js';

export interface ParquetOutputOptions {
  /** The Parquet file to write. */
  readonly output: string;
  readonly overwrite: boolean;
  readonly signal: AbortSignal | undefined;
  /** Names the run in an `AbortedError` (`probe-rows generate`). */
  readonly what: string;
}

/**
 * Runs `write` with a fresh DuckDB and a temporary path beside `output` for its `COPY … TO` (with
 * `USE_TMP_FILE false`: DuckDB's own temporary file would be left behind when interrupted), and renames
 * the file onto `output` only once `write` succeeded: a failed or interrupted run leaves nothing under
 * the final name (record-io's atomic file; an abort also interrupts DuckDB's running statement).
 */
export async function writeParquetAtomically<T>(
  options: ParquetOutputOptions,
  write: (db: DuckDB, tempPath: string) => Promise<T>,
): Promise<T> {
  const output = resolve(options.output);
  if (!options.overwrite && existsSync(output)) throw new OutputExistsError(output);
  // A read-only or unwritable location is named as such, not as ENOENT.
  await prepareOutputDirectory(dirname(output));
  await using file = await openAtomicFile(output);
  await using db = await openDuckDB();
  const interrupt = interruptOnAbort(db, options.signal);
  try {
    const result = await write(db, file.tempPath);
    throwIfAborted(options.signal, options.what);
    await file.commit();
    return result;
  } catch (error) {
    if (options.signal?.aborted === true && !(error instanceof AbortedError))
      throw new AbortedError(options.what, { cause: error });
    throw error;
  } finally {
    interrupt[Symbol.dispose]();
  }
}

/** `path` as a single-quoted SQL string literal (DuckDB's COPY target cannot be a parameter). */
export function sqlString(path: string): string {
  return `'${path.replace(/'/g, "''")}'`;
}
