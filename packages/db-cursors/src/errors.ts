/** Base class of every error db-cursors raises; `code` is stable across releases. */
export class DbCursorsError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The test PostgreSQL could not be started or reached. */
export class TestDatabaseError extends DbCursorsError {
  constructor(message: string, options?: ErrorOptions) {
    super('PREPKIT_TEST_DATABASE', message, options);
  }
}

/** A database operation failed; the message names the operation and never holds a password. */
export class QueryError extends DbCursorsError {
  /** PostgreSQL's SQLSTATE (`57P01`, `23505`, …) or Node's error code (`ECONNRESET`), when known. */
  readonly sqlState: string | undefined;

  constructor(message: string, sqlState: string | undefined, options?: ErrorOptions) {
    super('PREPKIT_DB_QUERY_FAILED', message, options);
    this.sqlState = sqlState;
  }
}

/** The server could not be reached or refused the credentials. */
export class ConnectionError extends DbCursorsError {
  readonly sqlState: string | undefined;

  constructor(message: string, sqlState: string | undefined, options?: ErrorOptions) {
    super('PREPKIT_DB_CONNECTION_FAILED', message, options);
    this.sqlState = sqlState;
  }
}

/** A bulk write stopped part-way: `committedRows` rows in `committedBatches` batches are in the table. */
export class BulkWriteError extends DbCursorsError {
  readonly committedRows: number;
  readonly committedBatches: number;

  constructor(message: string, committed: { rows: number; batches: number }, options?: ErrorOptions) {
    super('PREPKIT_DB_BULK_WRITE_FAILED', message, options);
    this.committedRows = committed.rows;
    this.committedBatches = committed.batches;
  }
}

/** Bad options from the caller (an empty key list, a page size of 0). */
export class InvalidOptionError extends DbCursorsError {
  constructor(message: string) {
    super('PREPKIT_DB_INVALID_OPTION', message);
  }
}
