/** Base class of every error discord-dataset raises; `code` is stable across releases. */
export class DiscordDatasetError extends Error {
  readonly code: string;
  /** True when the caller (a flag, a file, a database) is at fault rather than this package. */
  readonly userError: boolean;

  constructor(code: string, message: string, userError: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.userError = userError;
  }
}

/** Options that cannot work (`options.batchSize must be a positive integer (got 0)`). */
export class InvalidOptionError extends DiscordDatasetError {
  constructor(message: string) {
    super('PREPKIT_DISCORD_INVALID_OPTION', message, true);
  }
}

/** An input file that is not a DiscordChatExporter JSON export, or is malformed; names file and position. */
export class ExportFormatError extends DiscordDatasetError {
  readonly path: string;
  /** 1-based line and column of the problem, when known. */
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(path: string, problem: string, position?: { line: number; column: number }, cause?: unknown) {
    super(
      'PREPKIT_DISCORD_BAD_EXPORT',
      `${path}${position === undefined ? '' : `:${position.line}:${position.column}`}: ${problem}`,
      true,
      cause === undefined ? undefined : { cause },
    );
    this.path = path;
    this.line = position?.line;
    this.column = position?.column;
  }
}

/** The database lacks a table or column the pipeline needs. */
export class SchemaError extends DiscordDatasetError {
  /** `messages` or `messages.author_id`. */
  readonly missing: readonly string[];

  constructor(missing: readonly string[], detail = '') {
    super(
      'PREPKIT_DISCORD_SCHEMA_MISSING',
      `the database has no ${missing.join(', ')}${detail}; create the schema with ` +
        '`discord-dataset init-db <db-url>` (or psql -f sql_scripts/discord_schema.sql)',
      true,
    );
    this.missing = missing;
  }
}

/** The same message id appears twice in the selected rows (a table without a primary key). */
export class DataError extends DiscordDatasetError {
  constructor(message: string) {
    super('PREPKIT_DISCORD_BAD_DATA', message, true);
  }
}

/** `validate` found files that consumers would reject. */
export class ValidationFailedError extends DiscordDatasetError {
  readonly errors: number;

  constructor(errors: number, files: number) {
    super(
      'PREPKIT_DISCORD_INVALID_JSONL',
      `${errors} problem(s) in ${files} file(s) that fine-tuning tools would reject`,
      true,
    );
    this.errors = errors;
  }
}

/** The run was cancelled through its AbortSignal (Ctrl-C); outputs were removed. */
export class AbortedError extends DiscordDatasetError {
  constructor(what: string, options?: ErrorOptions) {
    super('PREPKIT_DISCORD_ABORTED', `${what} was interrupted; no output was left behind`, true, options);
  }
}

/** Throws `AbortedError` if `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted === true) throw new AbortedError(what, { cause: signal.reason });
}

/** A command line that cannot run: an unknown flag, a missing argument, a bad value. */
export class UsageError extends DiscordDatasetError {
  constructor(message: string) {
    super('PREPKIT_DISCORD_USAGE', message, true);
  }
}
