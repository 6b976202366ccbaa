import { PrepkitError, errorKind } from '@prepkit/bench-harness/errors';

export { InvalidOptionError } from '@prepkit/bench-harness/errors';

/** The test PostgreSQL could not be started or reached. */
export class TestDatabaseError extends PrepkitError {
  constructor(message: string, options?: ErrorOptions) {
    super('PREPKIT_TEST_DATABASE', 'environment', message, options);
  }
}

/** A database operation failed; the message names the operation and never holds a password. */
export class QueryError extends PrepkitError {
  /** PostgreSQL's SQLSTATE (`57P01`, `23505`, …) or Node's error code (`ECONNRESET`), when known. */
  readonly sqlState: string | undefined;

  constructor(message: string, sqlState: string | undefined, options?: ErrorOptions) {
    super('PREPKIT_DB_QUERY_FAILED', queryKind(sqlState), message, options);
    this.sqlState = sqlState;
  }
}

/** The server could not be reached or refused the credentials. */
export class ConnectionError extends PrepkitError {
  readonly sqlState: string | undefined;

  constructor(message: string, sqlState: string | undefined, options?: ErrorOptions) {
    super(
      'PREPKIT_DB_CONNECTION_FAILED',
      sqlState?.startsWith('28') === true ? 'authentication' : 'connection',
      message,
      options,
    );
    this.sqlState = sqlState;
  }
}

/** A bulk write stopped part-way: `committedRows` rows in `committedBatches` batches are in the table. */
export class BulkWriteError extends PrepkitError {
  readonly committedRows: number;
  readonly committedBatches: number;

  constructor(message: string, committed: { rows: number; batches: number }, options?: ErrorOptions) {
    super('PREPKIT_DB_BULK_WRITE_FAILED', errorKind(options?.cause), message, options);
    this.committedRows = committed.rows;
    this.committedBatches = committed.batches;
  }
}

// What a failed query's SQLSTATE (or Node error code) says about whose fault it is; unknown means a bug.
function queryKind(sqlState: string | undefined) {
  return errorKind({ code: sqlState });
}
