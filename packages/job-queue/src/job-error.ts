import { errorKind } from '@prepkit/bench-harness/errors';
import type { ErrorKind } from '@prepkit/bench-harness/errors';
import { oneLine } from './queue.js';

/** What a failed job stores as its output: the error's one line (redacted), its kind and code. */
export interface JobFailure {
  readonly message: string;
  readonly kind: ErrorKind;
  readonly code: string | null;
  /** No retry can help (bad input, a bad configuration): the job goes straight to the dead-letter queue. */
  readonly permanent: boolean;
}

// Kinds a retry cannot fix. connection, environment (a full disk) and internal errors are retried.
const PERMANENT: ReadonlySet<ErrorKind> = new Set<ErrorKind>(['input', 'config', 'usage', 'authentication']);

export function describeFailure(error: unknown, redact: (text: string) => string): JobFailure {
  const kind = errorKind(error);
  const code = (error as { code?: unknown } | null)?.code;
  return {
    message: redact(oneLine(error)),
    kind,
    code: typeof code === 'string' ? code : null,
    permanent: PERMANENT.has(kind),
  };
}
