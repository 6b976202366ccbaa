import type { JobResult, JobWithMetadata } from 'pg-boss';
import { describeFailure } from './job-error.js';
import type { JobQueue } from './queue.js';
import { checkPlan, jobIdOf, queueNames } from './sharded-run.js';
import type { AnyShardedRun, ShardPlan } from './sharded-run.js';

/** A job's payload: the run, and for a shard job its index. */
export interface StepData {
  readonly runId: string;
  readonly shard?: number;
}

export type Step = 'plan' | 'commit' | number;

/** What a worker reports, one event per job start and end. */
export interface WorkerEvent {
  readonly type: 'start' | 'done' | 'skip' | 'retry' | 'failed' | 'released';
  readonly pipeline: string;
  readonly runId: string;
  /** `plan`, `commit` or the shard index. */
  readonly step: Step;
  readonly attempt: number;
  /** The error's one line, for `retry`, `failed` and `released`. */
  readonly message?: string;
}

const PROGRESS_INTERVAL_MS = 2_000;
const INSERT_BATCH = 1_000;

/**
 * The three kinds of job of a pipeline. Each returns pg-boss's per-job result: completed, failed (a
 * retry follows while retries are left) or deadletter (an error no retry fixes). Every step checks the
 * run's state first, so a job delivered twice, or one of a run that already failed, does nothing.
 */
export class StepRunner {
  readonly #queue: JobQueue;
  readonly #worker: string;
  readonly #stop: AbortSignal;
  readonly #emit: (event: WorkerEvent) => void;
  /** Jobs handed back on a stop while retries were left; the worker refunds their try once pg-boss has failed them. */
  readonly releasedJobs: { name: string; id: string; retryLimit: number }[] = [];

  constructor(queue: JobQueue, worker: string, stop: AbortSignal, emit: (event: WorkerEvent) => void) {
    this.#queue = queue;
    this.#worker = worker;
    this.#stop = stop;
    this.#emit = emit;
  }

  plan(definition: AnyShardedRun, job: JobWithMetadata<StepData>): Promise<JobResult> {
    const { runId } = job.data;
    const attempt = job.retryCount + 1;
    return this.#settle(definition, job, 'plan', attempt, async (signal) => {
      const { runs, boss } = this.#queue;
      const run = await runs.getRun(this.#queue.db, runId);
      if (run?.state !== 'planning') return false;
      this.#emit({ type: 'start', pipeline: definition.name, runId, step: 'plan', attempt });
      const plan = checkPlan(definition.name, await definition.plan(run.config, { runId, signal, attempt }));
      await this.#queue.transaction(async (tx) => {
        if (!(await runs.recordPlan(tx, runId, plan, plan.shards))) return;
        const shardQueue = queueNames(definition.name).shard;
        for (let first = 0; first < plan.shards; first += INSERT_BATCH) {
          const jobs = Array.from({ length: Math.min(INSERT_BATCH, plan.shards - first) }, (_, i) => ({
            id: jobIdOf(runId, first + i),
            data: { runId, shard: first + i },
            singletonKey: `${runId}:${first + i}`,
          }));
          await boss.insert(shardQueue, jobs, { db: tx });
        }
      });
      return true;
    });
  }

  shard(definition: AnyShardedRun, job: JobWithMetadata<StepData>): Promise<JobResult> {
    const { runId } = job.data;
    const index = job.data.shard ?? -1;
    return this.#settle(definition, job, index, job.retryCount + 1, async (signal) => {
      const { runs, boss, db } = this.#queue;
      const attempt = await runs.startShard(db, runId, index, this.#worker);
      if (attempt === undefined) return false;
      this.#emit({ type: 'start', pipeline: definition.name, runId, step: index, attempt });
      const run = await runs.getRun(db, runId);
      if (run === undefined) return false;
      const progress = throttledProgress((done, total) =>
        runs.recordProgress(db, runId, index, done, total).catch(() => undefined),
      );
      const summary: unknown = await definition.runShard(run.config, run.plan as ShardPlan, index, {
        runId,
        signal,
        attempt,
        progress,
      });
      await this.#queue.transaction(async (tx) => {
        if (!(await runs.finishShard(tx, runId, index, summary))) return;
        const commit = queueNames(definition.name).commit;
        await boss.send(
          commit,
          { runId },
          { id: jobIdOf(runId, 'commit'), singletonKey: `${runId}:commit`, db: tx },
        );
      });
      return true;
    });
  }

  commit(definition: AnyShardedRun, job: JobWithMetadata<StepData>): Promise<JobResult> {
    const { runId } = job.data;
    const attempt = job.retryCount + 1;
    return this.#settle(definition, job, 'commit', attempt, async (signal) => {
      const { runs, db } = this.#queue;
      const run = await runs.getRun(db, runId);
      if (run?.state !== 'committing') return false;
      this.#emit({ type: 'start', pipeline: definition.name, runId, step: 'commit', attempt });
      const summaries = await runs.summaries(db, runId);
      const result: unknown = await definition.commit(run.config, run.plan as ShardPlan, summaries, {
        runId,
        signal,
        attempt,
      });
      await runs.finishRun(db, runId, result);
      return true;
    });
  }

  /** Runs a step and turns its outcome into pg-boss's result, recording failures on the run. */
  async #settle(
    definition: AnyShardedRun,
    job: JobWithMetadata<StepData>,
    step: Step,
    attempt: number,
    body: (signal: AbortSignal) => Promise<boolean>,
  ): Promise<JobResult> {
    const { runId } = job.data;
    const pipeline = definition.name;
    const signal = AbortSignal.any([job.signal, this.#stop]);
    try {
      const ran = await body(signal);
      this.#emit({ type: ran ? 'done' : 'skip', pipeline, runId, step, attempt });
      return { id: job.id, status: 'completed', output: { ran } };
    } catch (error) {
      const failure = describeFailure(error, (text) => this.#queue.redact(text));
      // Stopped by SIGTERM: the job goes back to the queue for another worker; runWorker refunds the try.
      const released = this.#stop.aborted;
      if (released && job.retryCount < job.retryLimit)
        this.releasedJobs.push({ name: job.name, id: job.id, retryLimit: job.retryLimit });
      const message = released ? `released: the worker was stopped (${failure.message})` : failure.message;
      const final = (failure.permanent && !released) || job.retryCount >= job.retryLimit;
      await this.#queue.runs
        .recordFailure(this.#queue.db, runId, step, message, final)
        .catch((cause: unknown) =>
          this.#emit({
            type: 'failed',
            pipeline,
            runId,
            step,
            attempt,
            message: this.#queue.redact(String(cause)),
          }),
        );
      this.#emit({
        type: released ? 'released' : final ? 'failed' : 'retry',
        pipeline,
        runId,
        step,
        attempt,
        message,
      });
      const output = { ...failure, message };
      return {
        id: job.id,
        status: final && failure.permanent && !released ? 'deadletter' : 'failed',
        output,
      };
    }
  }
}

/** Calls `report` at most every 2 s, with the latest numbers; the last call before the end may be dropped. */
function throttledProgress(report: (done: number, total?: number) => Promise<unknown>) {
  let last = 0;
  return (done: number, total?: number): void => {
    const now = Date.now();
    if (now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    void report(done, total);
  };
}
