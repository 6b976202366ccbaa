/**
 * What went wrong, as far as the person running a command is concerned. Every kind but `internal` (a bug)
 * and `aborted` (Ctrl-C) is something the user can fix, so the CLIs exit with 2 for it.
 */
export type ErrorKind =
  | 'usage' // an unknown flag, a missing argument, a bad value
  | 'config' // a configuration file or option that cannot work
  | 'input' // a file or table whose content is wrong
  | 'connection' // a server that cannot be reached or closed the connection
  | 'authentication' // credentials the server refused
  | 'environment' // the disk is full, a directory is read-only, a path does not exist
  | 'aborted' // the run was interrupted (Ctrl-C, SIGTERM) and cleaned up
  | 'internal'; // a bug in prepkit

/** Base class of every error prepkit raises: `code` is stable across releases, `kind` sets the exit code. */
export class PrepkitError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;

  constructor(code: string, kind: ErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.kind = kind;
  }
}

/** A command line that cannot run: an unknown flag, a missing argument, a bad value. */
export class UsageError extends PrepkitError {
  constructor(message: string) {
    super('PREPKIT_USAGE', 'usage', message);
  }
}

/** The run was cancelled through its AbortSignal (Ctrl-C, SIGTERM); what it had half-written was removed. */
export class AbortedError extends PrepkitError {
  constructor(what: string, options?: ErrorOptions) {
    super('PREPKIT_ABORTED', 'aborted', `${what} was interrupted; no output was left behind`, options);
  }
}

/** Throws `AbortedError` if `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted === true) throw new AbortedError(what, { cause: signal.reason });
}

/** Two variants of one benchmark wrote different bytes: the speed-up would compare different work. */
export class OutputMismatchError extends PrepkitError {
  /** The variant whose outputs the others are compared with (normally the baseline). */
  readonly baseline: string;
  readonly variant: string;
  readonly files: readonly string[];

  constructor(baseline: string, variant: string, files: readonly string[]) {
    super(
      'PREPKIT_BENCH_OUTPUT_MISMATCH',
      'internal',
      `variant "${variant}" wrote output that differs from baseline "${baseline}": ${files.join(', ')}`,
    );
    this.baseline = baseline;
    this.variant = variant;
    this.files = files;
  }
}

export class InvalidBenchmarkError extends PrepkitError {
  constructor(message: string) {
    super('PREPKIT_BENCH_INVALID', 'config', message);
  }
}
