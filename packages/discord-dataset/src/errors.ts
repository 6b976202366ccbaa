import { PrepkitError } from '@prepkit/bench-harness/errors';

// The errors discord-dataset raises. Each `code` is stable across releases; each `kind` tells a CLI
// whose fault it is (every kind here is the caller's, so exit code 2). Options that cannot work throw
// bench-harness's `InvalidOptionError`, interruptions its `AbortedError`; connection failures are
// db-cursors' `ConnectionError`.

/** An input file that is not a DiscordChatExporter JSON export, or is malformed; names file and position. */
export class ExportFormatError extends PrepkitError {
  readonly path: string;
  /** 1-based line and column of the problem, when known. */
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(path: string, problem: string, position?: { line: number; column: number }, cause?: unknown) {
    super(
      'PREPKIT_DISCORD_BAD_EXPORT',
      'input',
      `${path}${position === undefined ? '' : `:${position.line}:${position.column}`}: ${problem}`,
      cause === undefined ? undefined : { cause },
    );
    this.path = path;
    this.line = position?.line;
    this.column = position?.column;
  }
}

/** The database lacks a table or column the pipeline needs. */
export class SchemaError extends PrepkitError {
  /** `messages` or `messages.author_id`. */
  readonly missing: readonly string[];

  constructor(missing: readonly string[], detail = '') {
    super(
      'PREPKIT_DISCORD_SCHEMA_MISSING',
      'input',
      `the database has no ${missing.join(', ')}${detail}; create the schema with ` +
        '`discord-dataset init-db --db <url>` (or psql -f sql_scripts/discord_schema.sql)',
    );
    this.missing = missing;
  }
}

/** The same message id appears twice in the selected rows (a table without a primary key). */
export class DataError extends PrepkitError {
  constructor(message: string) {
    super('PREPKIT_DISCORD_BAD_DATA', 'input', message);
  }
}

/** `validate` found files that consumers would reject. */
export class ValidationFailedError extends PrepkitError {
  readonly errors: number;

  constructor(errors: number, files: number) {
    super(
      'PREPKIT_DISCORD_INVALID_JSONL',
      'input',
      `${errors} problem(s) in ${files} file(s) that fine-tuning tools would reject`,
    );
    this.errors = errors;
  }
}

/** The database refuses writes to a table: read-only (`default_transaction_read_only`, a standby) or no privilege. */
export class ReadOnlyDatabaseError extends PrepkitError {
  readonly table: string;

  constructor(table: string, why: string) {
    super('PREPKIT_DISCORD_READ_ONLY', 'environment', `cannot write to table ${table}: ${why}`);
    this.table = table;
  }
}

/**
 * A shard file that `merge` (or a queued run's commit) needs is missing, or does not match its root index
 * or its shard's summary; names the file, and the line where there is one.
 */
export class ShardFileError extends PrepkitError {
  readonly path: string;

  constructor(path: string, problem: string) {
    super('PREPKIT_DISCORD_BAD_SHARD', 'input', `${path}: ${problem}`);
    this.path = path;
  }
}
