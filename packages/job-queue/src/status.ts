import type { JobQueue } from './queue.js';
import type { RunRow, RunState, ShardRow, ShardState } from './run-store.js';
import { queueNames } from './sharded-run.js';
import { UnknownRunError } from './errors.js';

export interface RunSummary {
  readonly runId: string;
  readonly pipeline: string;
  readonly state: RunState;
  /** null while planning. */
  readonly shards: number | null;
  readonly shardStates: Readonly<Record<ShardState, number>>;
  /** The first error that ended the run (`shard 2: …`), or null. */
  readonly error: string | null;
  readonly result: unknown;
  readonly submittedOn: Date;
  readonly updatedOn: Date;
  /** Every shard's row, with `--run ID` only. */
  readonly shardDetails?: readonly ShardRow[];
}

/** A job that failed for good: retries spent, or an error no retry fixes. */
export interface DeadLetter {
  readonly pipeline: string;
  readonly runId: string | null;
  /** `plan`, `commit` or the shard index. */
  readonly step: string;
  readonly error: string;
  readonly attempts: number;
  readonly failedOn: Date;
}

export interface QueueStatus {
  readonly runs: readonly RunSummary[];
  readonly deadLetters: readonly DeadLetter[];
}

export interface StatusOptions {
  /** One run, with every shard's state, attempts, worker, progress and error. */
  runId?: string;
  /** The latest runs listed without `runId`. Default 20. */
  limit?: number;
}

/** States and progress of runs, the errors that failed them, and the dead-letter queues. */
export async function runStatus(queue: JobQueue, options: StatusOptions = {}): Promise<QueueStatus> {
  const { runs, db } = queue;
  let rows: RunRow[];
  if (options.runId !== undefined) {
    const run = await runs.getRun(db, options.runId);
    if (run === undefined) throw new UnknownRunError(options.runId);
    rows = [run];
  } else {
    rows = await runs.listRuns(db, options.limit ?? 20);
  }
  const pipelines = [...new Set(rows.map((row) => row.pipeline))];
  const deadLetters = await readDeadLetters(queue, pipelines);
  await markDeadRuns(queue, deadLetters);
  const summaries: RunSummary[] = [];
  for (const stale of rows) {
    const row = (await runs.getRun(db, stale.runId)) ?? stale;
    const shards = await runs.shardsOf(db, row.runId);
    const shardStates: Record<ShardState, number> = { queued: 0, running: 0, done: 0, failed: 0 };
    for (const shard of shards) shardStates[shard.state] += 1;
    summaries.push({
      runId: row.runId,
      pipeline: row.pipeline,
      state: row.state,
      shards: row.shards,
      shardStates,
      error: row.error,
      result: row.result,
      submittedOn: row.submittedOn,
      updatedOn: row.updatedOn,
      ...(options.runId === undefined ? {} : { shardDetails: shards }),
    });
  }
  const shown = new Set(rows.map((row) => row.runId));
  return {
    runs: summaries,
    deadLetters: deadLetters.filter((dead) => options.runId === undefined || shown.has(dead.runId ?? '')),
  };
}

/**
 * Fails the runs whose jobs reached a dead-letter queue without their handler seeing it (a shard whose
 * worker was killed on every try ends there through pg-boss's heartbeat check), so that status and
 * `exitWhenIdle` see them as ended.
 */
export async function reconcileDeadLetters(queue: JobQueue, pipelines: readonly string[]): Promise<void> {
  await markDeadRuns(queue, await readDeadLetters(queue, pipelines));
}

async function markDeadRuns(queue: JobQueue, deadLetters: readonly DeadLetter[]): Promise<void> {
  for (const dead of deadLetters) {
    if (dead.runId === null) continue;
    const step = /^\d+$/.test(dead.step) ? Number(dead.step) : (dead.step as 'plan' | 'commit');
    await queue.runs.recordFailure(queue.db, dead.runId, step, dead.error, true);
  }
}

async function readDeadLetters(queue: JobQueue, pipelines: readonly string[]): Promise<DeadLetter[]> {
  const out: DeadLetter[] = [];
  for (const pipeline of pipelines) {
    const names = queueNames(pipeline);
    if ((await queue.boss.getQueue(names.dead)) === null) continue;
    const jobs = await queue.boss.findJobs<{ runId?: string; shard?: number }>(names.dead, { limit: 1000 });
    for (const job of jobs) {
      const output = job.sourceOutput as { message?: unknown } | null;
      const step =
        job.data.shard !== undefined
          ? String(job.data.shard)
          : job.sourceName === names.plan
            ? 'plan'
            : 'commit';
      out.push({
        pipeline,
        runId: job.data.runId ?? null,
        step,
        error: queue.redact(typeof output?.message === 'string' ? output.message : JSON.stringify(output)),
        attempts: (job.sourceRetryCount ?? 0) + 1,
        failedOn: job.createdOn,
      });
    }
  }
  return out;
}
