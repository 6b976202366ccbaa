import { PrepkitError } from '@prepkit/bench-harness/errors';

/** Input that probe-rows cannot read or carry: a missing or corrupt file, a missing column, an unsupported type. */
export class ProbeRowsInputError extends PrepkitError {
  constructor(message: string, options?: ErrorOptions) {
    super('PREPKIT_PROBE_ROWS_BAD_INPUT', 'input', message, options);
  }
}

// A complete earlier output where a run would write, without --overwrite: record-io's, so that every pipeline
// reports it the same way (kind config).
export { OutputExistsError, OutputLocationError } from '@prepkit/record-io';

/** DuckDB needed more memory than its limit allowed (and could not spill). */
export class OutOfMemoryError extends PrepkitError {
  constructor(memoryLimitGb: number, reason: string, options?: ErrorOptions) {
    super(
      'PREPKIT_PROBE_ROWS_OUT_OF_MEMORY',
      'environment',
      `DuckDB ran out of memory under its ${memoryLimitGb} GiB limit (${reason}); raise --memory-limit-gb`,
      options,
    );
  }
}

/** Something probe-rows itself got wrong (a bug): the CLI exits with 1 and prints the stack. */
export class ProbeRowsInternalError extends PrepkitError {
  constructor(message: string) {
    super('PREPKIT_PROBE_ROWS_INTERNAL', 'internal', message);
  }
}
