import { createHash } from 'node:crypto';
import { InvalidOptionError } from '@prepkit/bench-harness/errors';
import type { JobQueue } from './queue.js';
import { jobIdOf, queueNames } from './sharded-run.js';
import type { AnyShardedRun } from './sharded-run.js';

export interface SubmitOptions {
  /** The run's id. Default: the pipeline's name and a hash of the config, so submitting the same build twice is one run. */
  runId?: string;
}

export interface SubmittedRun {
  readonly runId: string;
  /** False when a run with this id was submitted before: nothing new was queued. */
  readonly created: boolean;
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * Queues a run: records it and sends its one plan job, in one transaction. Idempotent per run id: a
 * second submit of the same id queues nothing and returns `created: false`. Workers then plan, run the
 * shards and commit ([scale-out](../../../docs/scale-out.md)).
 */
export async function submitRun<Config>(
  queue: JobQueue,
  definition: AnyShardedRun,
  config: Config,
  options: SubmitOptions = {},
): Promise<SubmittedRun> {
  const runId = options.runId ?? defaultRunId(definition.name, config);
  if (!RUN_ID.test(runId)) {
    throw new InvalidOptionError(
      `run id must be 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit (got '${runId}')`,
    );
  }
  await queue.ensureQueues(definition.name);
  const created = await queue.transaction(async (tx) => {
    if (!(await queue.runs.insertRun(tx, runId, definition.name, config))) return false;
    const plan = queueNames(definition.name).plan;
    await queue.boss.send(
      plan,
      { runId },
      { id: jobIdOf(runId, 'plan'), singletonKey: `${runId}:plan`, db: tx },
    );
    return true;
  });
  return { runId, created };
}

/** `<pipeline>-<16 hex digits of sha256(config as JSON with sorted keys)>`. */
export function defaultRunId(pipeline: string, config: unknown): string {
  return `${pipeline}-${createHash('sha256').update(stableJson(config)).digest('hex').slice(0, 16)}`;
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}
