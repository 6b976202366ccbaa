import { passwordOf, redact } from '@prepkit/bench-harness/redact';
import { checkDatabaseUrl } from '@prepkit/db-cursors';
import type { Db, PgBoss } from 'pg-boss';
import { QueueOpenError } from './errors.js';
import { assertQueueSupported } from './node-support.js';
import { resolveQueueOptions } from './options.js';
import type { QueueOptions, ResolvedQueueOptions } from './options.js';
import { RunStore } from './run-store.js';
import { queueNames } from './sharded-run.js';

/** An open queue: pg-boss started on the database, the run tables in place. Close it when done. */
export interface JobQueue extends AsyncDisposable {
  readonly options: ResolvedQueueOptions;
  /** The connection URL with its password masked, for messages. */
  readonly where: string;
  /** The pg-boss instance, for what this package does not wrap. */
  readonly boss: PgBoss;
  readonly db: Db;
  readonly runs: RunStore;
  /** Runs `body` in one transaction (commit on return, rollback on throw); pass `tx` as pg-boss's `db`. */
  transaction<T>(body: (tx: Db) => Promise<T>): Promise<T>;
  /** Masks the URL's password (and any URL's) in `text`. */
  redact(text: string): string;
  /** Creates a pipeline's queues (plan, shard, commit, dead letter) unless they exist. */
  ensureQueues(pipeline: string): Promise<void>;
  /** Stops pg-boss: `graceful` waits for jobs in flight (default), else drops them for a retry elsewhere. */
  close(options?: { graceful?: boolean }): Promise<void>;
}

export interface OpenQueueOptions extends QueueOptions {
  /**
   * Errors pg-boss reports in the background (a lost connection it retries, say), as one redacted line.
   * Default: ignored, since pg-boss keeps retrying; a worker passes its logger.
   */
  onError?: (message: string) => void;
}

/**
 * Opens the job queue in the PostgreSQL database at `url`: loads pg-boss (only now, so that Node 20
 * can run everything else), installs or migrates its schema and the run tables. Throws
 * `QueueNodeVersionError` on Node older than 22.12 and `QueueOpenError` (connection, authentication…)
 * when the database cannot be used; no message shows the password.
 *
 * @example
 * await using queue = await openQueue(process.env.DATABASE_URL!);
 * const { runId } = await submitRun(queue, probeRowsRun, config);
 */
export async function openQueue(url: string, options: OpenQueueOptions = {}): Promise<JobQueue> {
  assertQueueSupported();
  checkDatabaseUrl(url);
  const { onError, ...queueOptions } = options;
  const resolved = resolveQueueOptions(queueOptions);
  const secrets = [passwordOf(url)];
  const clean = (text: string): string => redact(text, secrets);
  const where = clean(describeUrl(url));
  const { PgBoss } = await import('pg-boss');
  const boss = new PgBoss({
    connectionString: url,
    schema: resolved.schema,
    max: resolved.maxConnections,
    application_name: 'prepkit-job-queue',
    superviseIntervalSeconds: resolved.superviseIntervalSeconds,
    monitorIntervalSeconds: resolved.superviseIntervalSeconds,
    schedule: false,
    // A job sent to a queue wakes its idle workers at once instead of at their next poll.
    useListenNotify: true,
  });
  boss.on('error', (error) => onError?.(clean(oneLine(error))));
  try {
    await boss.start();
  } catch (cause) {
    await boss.stop({ graceful: false, close: true }).catch(() => undefined);
    throw QueueOpenError.from(`cannot open the job queue at ${where}: ${clean(oneLine(cause))}`, cause);
  }
  const db = boss.getDb();
  const runs = new RunStore(resolved.schema);
  try {
    await runs.install(db);
  } catch (cause) {
    await boss.stop({ graceful: false, close: true }).catch(() => undefined);
    throw QueueOpenError.from(`cannot create the run tables at ${where}: ${clean(oneLine(cause))}`, cause);
  }
  const ensured = new Set<string>();
  let closed: Promise<void> | undefined;
  const queue: JobQueue = {
    options: resolved,
    where,
    boss,
    db,
    runs,
    redact: clean,
    async transaction(body) {
      if (db.beginTransaction === undefined)
        throw new Error("pg-boss's database adapter has no transactions");
      const tx = await db.beginTransaction();
      let result;
      try {
        result = await body(tx.db);
      } catch (error) {
        await tx.rollback();
        throw error;
      }
      await tx.commit();
      return result;
    },
    async ensureQueues(pipeline) {
      if (ensured.has(pipeline)) return;
      const names = queueNames(pipeline);
      await boss.createQueue(names.dead, { retentionSeconds: 30 * 86_400, deleteAfterSeconds: 30 * 86_400 });
      const settings = {
        deadLetter: names.dead,
        retryLimit: resolved.retryLimit,
        retryDelay: resolved.retryDelaySeconds,
        retryBackoff: true,
        retryDelayMax: 600,
        expireInSeconds: resolved.expireInSeconds,
        heartbeatSeconds: resolved.heartbeatSeconds,
        notify: true,
      };
      for (const name of [names.plan, names.shard, names.commit]) await boss.createQueue(name, settings);
      ensured.add(pipeline);
    },
    close(closeOptions = {}) {
      closed ??= boss.stop({ graceful: closeOptions.graceful ?? true, close: true, timeout: 30_000 });
      return closed;
    },
    [Symbol.asyncDispose]() {
      return queue.close();
    },
  };
  return queue;
}

/** The first line of an error's message (pg-boss and pg put details on later lines). */
export function oneLine(error: unknown): string {
  // pg-boss emits some errors as plain objects ({ ...error, message, stack, queue }), not Errors.
  const message = (error as { message?: unknown } | null)?.message;
  const text = typeof message === 'string' ? message : String(error);
  return text.split('\n')[0]!.trim() || (error instanceof Error ? error.name : 'error');
}

function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.username === '' ? '' : `${parsed.username}@`}${parsed.host}${parsed.pathname}`;
  } catch {
    return 'the given database URL';
  }
}
