import {
  InvalidOptionError,
  assertNonNegativeInteger,
  assertPositiveInteger,
} from '@prepkit/bench-harness/errors';

export interface QueueOptions {
  /** PostgreSQL schema that holds pg-boss's tables and the run tables. Default `prepkit_queue`. */
  schema?: string;
  /** Retries of a failed job before it goes to the dead-letter queue. Default 4. */
  retryLimit?: number;
  /** First retry delay in seconds; each retry doubles it (with jitter), up to 10 minutes. Default 5. */
  retryDelaySeconds?: number;
  /**
   * A worker refreshes each job it runs this often (half of it, in fact); a job not refreshed for this
   * long (its worker was killed or lost its network) is retried elsewhere. At least 10. Default 30.
   */
  heartbeatSeconds?: number;
  /** How often this process checks for jobs whose heartbeat stopped. Default 15. */
  superviseIntervalSeconds?: number;
  /** How often an idle worker asks for a job. At least 0.5. Default 1. */
  pollingIntervalSeconds?: number;
  /** The longest one job (a plan, a shard, a commit) may run, in seconds; at most 24 h. Default 86400. */
  expireInSeconds?: number;
  /** Connections this process opens at most. Default 10. */
  maxConnections?: number;
}

export type ResolvedQueueOptions = Readonly<Required<QueueOptions>>;

export const DEFAULT_QUEUE_OPTIONS: ResolvedQueueOptions = Object.freeze({
  schema: 'prepkit_queue',
  retryLimit: 4,
  retryDelaySeconds: 5,
  heartbeatSeconds: 30,
  superviseIntervalSeconds: 15,
  pollingIntervalSeconds: 1,
  expireInSeconds: 86_400,
  maxConnections: 10,
});

// Lower-case identifiers need no quoting anywhere (pg-boss builds its own SQL with the name as is).
const SCHEMA = /^[a-z_][a-z0-9_]{0,49}$/;

export function resolveQueueOptions(options: QueueOptions = {}): ResolvedQueueOptions {
  const resolved = { ...DEFAULT_QUEUE_OPTIONS, ...withoutUndefined(options) };
  if (typeof resolved.schema !== 'string' || !SCHEMA.test(resolved.schema)) {
    throw new InvalidOptionError(
      `options.schema must be a lower-case PostgreSQL name of letters, digits and _ (got ${String(resolved.schema)})`,
    );
  }
  assertNonNegativeInteger('retryLimit', resolved.retryLimit);
  assertNonNegativeInteger('retryDelaySeconds', resolved.retryDelaySeconds);
  assertPositiveInteger('heartbeatSeconds', resolved.heartbeatSeconds);
  if (resolved.heartbeatSeconds < 10) {
    throw new InvalidOptionError(
      `options.heartbeatSeconds must be at least 10 (got ${resolved.heartbeatSeconds})`,
    );
  }
  assertPositiveInteger('superviseIntervalSeconds', resolved.superviseIntervalSeconds);
  if (!(resolved.pollingIntervalSeconds >= 0.5)) {
    throw new InvalidOptionError(
      `options.pollingIntervalSeconds must be at least 0.5 (got ${String(resolved.pollingIntervalSeconds)})`,
    );
  }
  assertPositiveInteger('expireInSeconds', resolved.expireInSeconds);
  if (resolved.expireInSeconds > 86_400) {
    throw new InvalidOptionError(
      `options.expireInSeconds must be at most 86400 (got ${resolved.expireInSeconds})`,
    );
  }
  assertPositiveInteger('maxConnections', resolved.maxConnections);
  return Object.freeze(resolved);
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
