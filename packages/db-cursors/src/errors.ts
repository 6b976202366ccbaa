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
