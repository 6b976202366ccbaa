import { PrepkitError, errorKind } from '@prepkit/bench-harness/errors';

export { InvalidOptionError } from '@prepkit/bench-harness/errors';

/** An atomic file used after `commit()` or `abort()`: a bug in the caller. */
export class AtomicFileStateError extends PrepkitError {
  readonly path: string;

  constructor(path: string, message: string) {
    super('PREPKIT_ATOMIC_FILE_CLOSED', 'internal', `${path}: ${message}`);
    this.path = path;
  }
}

/** A JSONL line that is not one JSON value (or not UTF-8); `line` is 1-based. */
export class JsonlMalformedError extends PrepkitError {
  readonly path: string;
  readonly line: number;

  constructor(path: string, line: number, problem: string, cause?: unknown) {
    super(
      'PREPKIT_JSONL_MALFORMED',
      'input',
      `${path}:${line}: ${problem}; fix or remove that line (each line must hold one JSON value)`,
      cause === undefined ? undefined : { cause },
    );
    this.path = path;
    this.line = line;
  }
}

/** A record JSON cannot represent on one line (`undefined`, a function, a BigInt, a cycle). */
export class JsonlRecordError extends PrepkitError {
  readonly path: string;
  /** 0-based position of the record among those written to this file. */
  readonly index: number;

  constructor(path: string, index: number, problem: string, cause?: unknown) {
    super(
      'PREPKIT_JSONL_UNSERIALISABLE',
      'input',
      `${path}: record ${index} cannot be written as JSON: ${problem}`,
      cause === undefined ? undefined : { cause },
    );
    this.path = path;
    this.index = index;
  }
}

/** A shard name or shard numbers that do not follow `name-00000-of-00004.ext`. */
export class ShardNameError extends PrepkitError {
  constructor(message: string) {
    super('PREPKIT_SHARD_NAME_INVALID', 'input', message);
  }
}

/** `manifest.json` is missing, not JSON, or not shaped like a manifest. */
export class ManifestError extends PrepkitError {
  readonly path: string;

  constructor(path: string, problem: string, cause?: unknown) {
    super(
      'PREPKIT_MANIFEST_INVALID',
      'input',
      `${path}: ${problem}`,
      cause === undefined ? undefined : { cause },
    );
    this.path = path;
  }
}

/** One file that does not match its manifest entry. */
export interface ManifestProblem {
  readonly file: string;
  readonly problem: 'missing' | 'bytes' | 'sha256';
  readonly expected: string | number;
  readonly actual?: string | number;
}

/** Files in a directory that differ from (or are missing against) its manifest. */
export class ManifestMismatchError extends PrepkitError {
  readonly dir: string;
  readonly problems: readonly ManifestProblem[];

  constructor(dir: string, problems: readonly ManifestProblem[]) {
    super(
      'PREPKIT_MANIFEST_MISMATCH',
      'input',
      `${dir} does not match its manifest.json: ${problems.map(describeProblem).join('; ')}`,
    );
    this.dir = dir;
    this.problems = problems;
  }
}

/** A Parquet batch that does not fit the writer's schema (missing column, wrong type or length). */
export class ParquetBatchError extends PrepkitError {
  readonly path: string;
  readonly column: string | undefined;

  constructor(path: string, column: string | undefined, problem: string) {
    super(
      'PREPKIT_PARQUET_BAD_BATCH',
      'input',
      `${path}: ${column === undefined ? '' : `column "${column}": `}${problem}`,
    );
    this.path = path;
    this.column = column;
  }
}

/** parquet-wasm (or the file system under it) failed while writing or reading a Parquet file. */
export class ParquetIoError extends PrepkitError {
  readonly path: string;

  constructor(path: string, action: 'write' | 'read', cause: unknown) {
    super(
      action === 'write' ? 'PREPKIT_PARQUET_WRITE_FAILED' : 'PREPKIT_PARQUET_READ_FAILED',
      // A full disk is the environment's fault; a file that will not parse is the input's; a failed write, a bug.
      errorKind(cause) === 'environment' ? 'environment' : action === 'read' ? 'input' : 'internal',
      `${path}: Parquet ${action} failed: ${describeError(cause)}`,
      { cause },
    );
    this.path = path;
  }
}

export function describeError(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return String(cause);
}

function describeProblem(p: ManifestProblem): string {
  if (p.problem === 'missing') return `${p.file} is missing`;
  if (p.problem === 'bytes') return `${p.file} has ${String(p.actual)} bytes, expected ${String(p.expected)}`;
  return `${p.file} has sha256 ${String(p.actual)}, expected ${String(p.expected)}`;
}

/** An output cannot be written where it was asked for: a read-only location, no permission, a full disk. */
export class OutputLocationError extends PrepkitError {
  readonly path: string;

  constructor(path: string, problem: string, cause?: unknown) {
    super(
      'PREPKIT_OUTPUT_LOCATION',
      'environment',
      `${path}: ${problem}`,
      cause === undefined ? undefined : { cause },
    );
    this.path = path;
  }
}

/** A complete earlier output is where a run would write, and the caller did not ask to replace it. */
export class OutputExistsError extends PrepkitError {
  readonly path: string;

  constructor(path: string) {
    super('PREPKIT_OUTPUT_EXISTS', 'config', `${path} exists; pass --overwrite to replace it`);
    this.path = path;
  }
}
