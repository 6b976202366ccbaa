export { openQueue } from './queue.js';
export type { JobQueue, OpenQueueOptions } from './queue.js';
export { DEFAULT_QUEUE_OPTIONS, resolveQueueOptions } from './options.js';
export type { QueueOptions, ResolvedQueueOptions } from './options.js';
export { defineShardedRun, queueNames } from './sharded-run.js';
export type {
  AnyShardedRun,
  Json,
  QueueNames,
  ShardContext,
  ShardPlan,
  ShardedRun,
  StepContext,
} from './sharded-run.js';
export { defaultRunId, submitRun } from './submit.js';
export type { SubmitOptions, SubmittedRun } from './submit.js';
export { runWorker } from './worker.js';
export type { WorkerOptions, WorkerReport } from './worker.js';
export type { Step, WorkerEvent } from './steps.js';
export { runStatus } from './status.js';
export type { DeadLetter, QueueStatus, RunSummary, StatusOptions } from './status.js';
export type { RunState, ShardRow, ShardState } from './run-store.js';
export { MIN_QUEUE_NODE_VERSION, assertQueueSupported, queueSupported } from './node-support.js';
export { QueueNodeVersionError, QueueOpenError, RunDefinitionError, UnknownRunError } from './errors.js';
