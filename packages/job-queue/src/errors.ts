import { PrepkitError, errorKind } from '@prepkit/bench-harness/errors';
import type { ErrorKind } from '@prepkit/bench-harness/errors';

/** pg-boss needs Node 22.12; on older Node only the cluster commands refuse, with this one line. */
export class QueueNodeVersionError extends PrepkitError {
  readonly nodeVersion: string;

  constructor(nodeVersion: string) {
    super(
      'PREPKIT_QUEUE_NODE_VERSION',
      'environment',
      `the cluster commands need Node 22.12 or newer (this is ${nodeVersion}); everything else works on 20.19+`,
    );
    this.nodeVersion = nodeVersion;
  }
}

/** The queue's database cannot be reached, refuses the credentials, or failed while opening. */
export class QueueOpenError extends PrepkitError {
  constructor(kind: ErrorKind, message: string, cause: unknown) {
    super('PREPKIT_QUEUE_OPEN_FAILED', kind, message, { cause });
  }

  /** Classified like its cause: connection, authentication, environment; anything else is a bug. */
  static from(message: string, cause: unknown): QueueOpenError {
    return new QueueOpenError(errorKind(cause), message, cause);
  }
}

/** A `ShardedRun` definition or a plan it produced that cannot work (a bug in the pipeline's wiring). */
export class RunDefinitionError extends PrepkitError {
  constructor(message: string) {
    super('PREPKIT_RUN_DEFINITION', 'internal', message);
  }
}

/** `status --run ID` or a job for a run this database does not hold. */
export class UnknownRunError extends PrepkitError {
  readonly runId: string;

  constructor(runId: string) {
    super('PREPKIT_RUN_UNKNOWN', 'usage', `no run "${runId}" in this queue (status lists the runs)`);
    this.runId = runId;
  }
}
