import { createHash } from 'node:crypto';
import { RunDefinitionError } from './errors.js';

/** Any value that survives JSON (a run's config, plan, shard summaries and result are stored as jsonb). */
export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

/** What `plan` returns: the number of shards, and whatever every shard needs to know (shared). */
export interface ShardPlan {
  readonly shards: number;
}

export interface StepContext {
  /** The run this step belongs to. */
  readonly runId: string;
  /** Aborted when the worker is stopped (SIGTERM) or the job's claim is lost; stop and throw. */
  readonly signal: AbortSignal;
  /** 1 for the first try of this job, 2 for its first retry, … */
  readonly attempt: number;
}

export interface ShardContext extends StepContext {
  /** Reports progress (`done` of `total` units, rows say); stored at most every 2 s, shown by status. */
  progress(done: number, total?: number): void;
}

/**
 * A pipeline run as a plan, N shard jobs and a commit, on any number of machines. The three functions
 * must be idempotent: a job can run twice (a worker that lost its claim may still finish), so a shard
 * writes the same bytes under the same names (atomically) every time, and commit may see its own
 * output from an earlier try.
 */
export interface ShardedRun<Config, Plan extends ShardPlan, Summary, Result> {
  /** The pipeline's name, the prefix of its queues (`probe-rows` → `probe-rows.shard`…). */
  readonly name: string;
  /** Computed once per run, on a worker; its result is stored and handed to every shard and the commit. */
  plan(config: Config, context: StepContext): Promise<Plan> | Plan;
  /** Does shard `index` (0-based) and returns a small JSON summary (files, sha256, counts). */
  runShard(config: Config, plan: Plan, index: number, context: ShardContext): Promise<Summary>;
  /** Runs once every shard is done, with the summaries in shard order; its result ends the run. */
  commit(config: Config, plan: Plan, summaries: Summary[], context: StepContext): Promise<Result>;
}

/** A definition of any types, as workers hold them in a list. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyShardedRun = ShardedRun<any, ShardPlan, any, any>;

const NAME = /^[a-z][a-z0-9-]{0,39}$/;

/** Checks a definition once (a name fit for queue names, three functions) and freezes it. */
export function defineShardedRun<Config, Plan extends ShardPlan, Summary, Result>(
  definition: ShardedRun<Config, Plan, Summary, Result>,
): ShardedRun<Config, Plan, Summary, Result> {
  if (typeof definition.name !== 'string' || !NAME.test(definition.name)) {
    throw new RunDefinitionError(
      `a sharded run's name must be lower-case letters, digits and -, starting with a letter (got ${String(definition.name)})`,
    );
  }
  for (const key of ['plan', 'runShard', 'commit'] as const) {
    if (typeof definition[key] !== 'function') {
      throw new RunDefinitionError(`sharded run "${definition.name}" has no ${key} function`);
    }
  }
  return Object.freeze({ ...definition });
}

/** The pg-boss queues of a pipeline. */
export interface QueueNames {
  readonly plan: string;
  readonly shard: string;
  readonly commit: string;
  /** Jobs that failed for good (retries spent, or an input error that no retry fixes). */
  readonly dead: string;
}

export function queueNames(pipeline: string): QueueNames {
  return Object.freeze({
    plan: `${pipeline}.plan`,
    shard: `${pipeline}.shard`,
    commit: `${pipeline}.commit`,
    dead: `${pipeline}.dead`,
  });
}

/**
 * The job id of one step of a run, a UUID derived from the run id: sending a job twice inserts it
 * once (pg-boss ignores a second job with the same id).
 */
export function jobIdOf(runId: string, step: 'plan' | 'commit' | number): string {
  const hex = createHash('sha256')
    .update(`${runId}\u0000${String(step)}`)
    .digest('hex');
  // Shaped as a version-4-style UUID so every UUID parser accepts it.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The plan a definition returned, checked: a positive integer number of shards. */
export function checkPlan(pipeline: string, plan: unknown): ShardPlan {
  const shards = (plan as { shards?: unknown } | null)?.shards;
  if (typeof shards !== 'number' || !Number.isSafeInteger(shards) || shards < 1 || shards > 100_000) {
    throw new RunDefinitionError(
      `${pipeline}: plan() must return { shards } with shards from 1 to 100000 (got ${String(shards)})`,
    );
  }
  return plan as ShardPlan;
}
