import { hostname } from 'node:os';
import { assertPositiveInteger } from '@prepkit/bench-harness/errors';
import type { JobWithMetadata, WorkOptions } from 'pg-boss';
import type { JobQueue } from './queue.js';
import { reconcileDeadLetters } from './status.js';
import { queueNames } from './sharded-run.js';
import type { AnyShardedRun } from './sharded-run.js';
import { StepRunner } from './steps.js';
import type { StepData, WorkerEvent } from './steps.js';

export interface WorkerOptions {
  /** Shards this process runs at once. Default 1 (a shard normally uses the machine's cores itself). */
  concurrency?: number;
  /** Return once no run of these pipelines is left to do, instead of waiting for more. Default false. */
  exitWhenIdle?: boolean;
  /**
   * Stops the worker: no new job is taken, the jobs in hand are aborted through their signal and go
   * back to the queue for another worker, and `runWorker` returns.
   */
  signal?: AbortSignal;
  /** One event per job start and end (and each retry), for progress lines. */
  onEvent?: (event: WorkerEvent) => void;
  /** Called once the worker is registered on every queue and takes jobs. */
  onReady?: () => void;
  /** How this worker names itself in the shard rows. Default `<host>:<pid>`. */
  name?: string;
}

export interface WorkerReport {
  /** Jobs this worker finished (plans, shards, commits), skipped ones excluded. */
  readonly done: number;
  /** Attempts that failed (retried or dead-lettered). */
  readonly failed: number;
  /** Jobs handed back when the worker was stopped. */
  readonly released: number;
  /** Why it returned. */
  readonly reason: 'idle' | 'stopped';
}

/**
 * Runs the jobs of `definitions` until stopped (or idle, with `exitWhenIdle`). Any number of workers, on
 * any machines, may run against one queue; pg-boss hands each job to one of them, and a job whose
 * worker dies is retried elsewhere once its heartbeat stops.
 */
export async function runWorker(
  queue: JobQueue,
  definitions: readonly AnyShardedRun[],
  options: WorkerOptions = {},
): Promise<WorkerReport> {
  const concurrency = options.concurrency ?? 1;
  assertPositiveInteger('concurrency', concurrency);
  const stop = new AbortController();
  const onAbort = (): void => stop.abort(options.signal?.reason);
  if (options.signal?.aborted === true) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const counts = { done: 0, failed: 0, released: 0 };
  let active = 0;
  const emit = (event: WorkerEvent): void => {
    if (event.type === 'done') counts.done += 1;
    else if (event.type === 'retry' || event.type === 'failed') counts.failed += 1;
    else if (event.type === 'released') counts.released += 1;
    options.onEvent?.(event);
  };
  const steps = new StepRunner(queue, options.name ?? `${hostname()}:${process.pid}`, stop.signal, emit);
  const workOptions = (localConcurrency: number) =>
    ({
      batchSize: 1,
      includeMetadata: true,
      perJobResults: true,
      localConcurrency,
      pollingIntervalSeconds: queue.options.pollingIntervalSeconds,
      // NOTIFY wakes workers for new jobs, not for retries coming due: keep polling at the same pace.
      notifyPollingIntervalSeconds: queue.options.pollingIntervalSeconds,
    }) as const satisfies WorkOptions;
  const workers: string[] = [];
  let reason: WorkerReport['reason'];
  try {
    for (const definition of definitions) {
      await queue.ensureQueues(definition.name);
      const names = queueNames(definition.name);
      const handle =
        (step: 'plan' | 'shard' | 'commit') =>
        async ([job]: JobWithMetadata<StepData>[]) => {
          active += 1;
          try {
            return [await steps[step](definition, job!)];
          } finally {
            active -= 1;
            wakeWorkers(queue, names[step]);
          }
        };
      workers.push(names.plan, names.shard, names.commit);
      await queue.boss.work(names.plan, workOptions(1), handle('plan'));
      await queue.boss.work(names.shard, workOptions(concurrency), handle('shard'));
      await queue.boss.work(names.commit, workOptions(1), handle('commit'));
    }
    options.onReady?.();
    reason = await waitUntilDone(
      queue,
      definitions,
      stop.signal,
      options.exitWhenIdle === true,
      () => active,
    );
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    // On a stop the handlers see the abort and release their jobs; offWork waits for them to return.
    stop.abort();
    for (const name of workers) await queue.boss.offWork(name, { wait: true }).catch(() => undefined);
    await refundReleases(queue, steps.releasedJobs);
  }
  // After offWork, so that the jobs released on a stop are counted.
  return { ...counts, reason };
}

/**
 * A job handed back on a stop was failed by pg-boss like any other (one try used); a stop is not the job's
 * fault, so the try is given back by raising its retry limit. Only while it waits for its retry: if
 * another worker took it already, nothing changes.
 */
async function refundReleases(
  queue: JobQueue,
  released: readonly { name: string; id: string; retryLimit: number }[],
): Promise<void> {
  for (const job of released) {
    await queue.boss
      .update(job.name, undefined, { id: job.id, retryLimit: job.retryLimit + 1 })
      .catch(() => undefined);
  }
}

/**
 * pg-boss waits a polling interval after every job that took less than one (with batchSize 1), which
 * held a worker slot to one short job per second. A slot that just finished a job fetches again at
 * once instead: the queue's own workers are told that there may be more.
 */
function wakeWorkers(queue: JobQueue, name: string): void {
  for (const worker of queue.boss.getWipData()) {
    if (worker.name === name) queue.boss.notifyWorker(worker.id);
  }
}

async function waitUntilDone(
  queue: JobQueue,
  definitions: readonly AnyShardedRun[],
  signal: AbortSignal,
  exitWhenIdle: boolean,
  active: () => number,
): Promise<'idle' | 'stopped'> {
  const pipelines = definitions.map((definition) => definition.name);
  const intervalMs = Math.max(500, queue.options.pollingIntervalSeconds * 1000);
  while (!signal.aborted) {
    await pause(intervalMs, signal);
    if (signal.aborted || !exitWhenIdle || active() > 0) continue;
    try {
      await reconcileDeadLetters(queue, pipelines);
      if ((await queue.runs.countUnfinished(queue.db, pipelines)) === 0 && active() === 0) return 'idle';
    } catch {
      // The database is unreachable for now (a restart); pg-boss reconnects and the next check retries.
    }
  }
  return 'stopped';
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
