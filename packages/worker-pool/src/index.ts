export { WorkerPool } from './worker-pool.js';
export type { MapOptions, RunOptions } from './worker-pool.js';
export { resolveWorkerPoolOptions } from './pool-options.js';
export type { ResolvedWorkerPoolOptions, WorkerPoolOptions } from './pool-options.js';
export { moveResult } from './transfer.js';
export { workerModule } from './worker-module.js';
export { InvalidOptionError, TaskError, WorkerPoolError } from './errors.js';
