import { availableParallelism } from 'node:os';
import { InvalidOptionError } from './errors.js';

export interface WorkerPoolOptions {
  /** The worker module (absolute path or file URL). Its default export runs each task. */
  filename: string | URL;
  /** Worker threads. Default: `os.availableParallelism()`. */
  threads?: number;
  /**
   * Tasks submitted but not yet handed back by `map`, per call (running, queued, or finished and
   * waiting for their turn in input order). Bounds memory. Default: `2 * threads`.
   */
  maxInFlight?: number;
  /** Extra data every worker receives as `workerData`. */
  workerData?: unknown;
}

export interface ResolvedWorkerPoolOptions {
  readonly filename: string;
  readonly threads: number;
  readonly maxInFlight: number;
  readonly workerData: unknown;
}

export function resolveWorkerPoolOptions(options: WorkerPoolOptions): ResolvedWorkerPoolOptions {
  const threads = options.threads ?? availableParallelism();
  assertPositiveInteger('threads', threads);
  const maxInFlight = options.maxInFlight ?? 2 * threads;
  assertPositiveInteger('maxInFlight', maxInFlight);
  const filename = options.filename instanceof URL ? options.filename.href : options.filename;
  if (typeof filename !== 'string' || filename.length === 0) {
    throw new InvalidOptionError('options.filename must be a path or file URL of the worker module');
  }
  return Object.freeze({ filename, threads, maxInFlight, workerData: options.workerData });
}

export function assertPositiveInteger(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidOptionError(`options.${name} must be a positive integer (got ${String(value)})`);
  }
}
