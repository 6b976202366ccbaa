import type { ErrorKind } from './errors.js';

// One rule for every prepkit CLI: what the user can fix exits with 2, an interruption with 130, a bug with 1.
// Errors are recognised by shape (`code` + `kind`), not by class, so that two installed copies of a prepkit
// package, and errors cloned back from a worker thread, are classified alike.

const KINDS: ReadonlySet<string> = new Set<ErrorKind>([
  'usage',
  'config',
  'input',
  'connection',
  'authentication',
  'environment',
  'aborted',
  'internal',
]);

// Node's codes for a file system or network that is at fault rather than prepkit.
const ENVIRONMENT_CODES = new Set([
  'ENOSPC',
  'EDQUOT',
  'EROFS',
  'EACCES',
  'EPERM',
  'ENOENT',
  'EEXIST',
  'EISDIR',
  'ENOTDIR',
  'EMFILE',
]);
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
]);

/** How an error is classified: its own `kind`, else what its code says (Node, PostgreSQL SQLSTATE), else a bug. */
export function errorKind(error: unknown): ErrorKind {
  if (typeof error !== 'object' || error === null) return 'internal';
  const { code, kind, name, cause } = error as {
    code?: unknown;
    kind?: unknown;
    name?: unknown;
    cause?: unknown;
  };
  if (typeof kind === 'string' && KINDS.has(kind)) return kind as ErrorKind;
  if (name === 'AbortError' || code === 'ABORT_ERR') return 'aborted';
  if (typeof code === 'string') {
    if (ENVIRONMENT_CODES.has(code)) return 'environment';
    if (CONNECTION_CODES.has(code)) return 'connection';
    const sqlKind = sqlStateKind(code);
    if (sqlKind !== undefined) return sqlKind;
    // A worker task carries the error its task threw.
    if (code === 'PREPKIT_WORKER_TASK_FAILED') return errorKind(cause);
  }
  return 'internal';
}

/** The exit code a CLI returns for `error`: 2 for what the user can fix, 130 for an interruption, 1 for a bug. */
export function exitCodeFor(error: unknown): 1 | 2 | 130 {
  const kind = errorKind(error);
  if (kind === 'aborted') return 130;
  return kind === 'internal' ? 1 : 2;
}

// PostgreSQL SQLSTATE classes (https://www.postgresql.org/docs/current/errcodes-appendix.html).
function sqlStateKind(code: string): ErrorKind | undefined {
  if (!/^[0-9A-Z]{5}$/.test(code)) return undefined;
  if (code.startsWith('28')) return 'authentication'; // invalid authorization
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return 'connection';
  if (code === '3D000' || code === '42501' || code === '53100') return 'environment'; // no database, no privilege, disk full
  if (code.startsWith('22') || code.startsWith('23') || code === '42P01' || code === '42703') return 'input';
  return undefined;
}
