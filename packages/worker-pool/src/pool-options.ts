import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { InvalidOptionError } from './errors.js';

export interface WorkerPoolOptions {
  /**
   * The worker module (absolute path or file URL). Its default export runs each task. A `.ts`
   * module is loaded through tsx (install it), for code run from source.
   */
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
  /** Node options of the worker threads. Default: the parent's `process.execArgv`. */
  execArgv?: readonly string[];
}

export interface ResolvedWorkerPoolOptions {
  readonly filename: string;
  readonly threads: number;
  readonly maxInFlight: number;
  readonly workerData: unknown;
  /** Extra arguments of the worker threads (the TypeScript shim's module). */
  readonly argv: readonly string[];
  readonly execArgv: readonly string[] | undefined;
}

export function resolveWorkerPoolOptions(options: WorkerPoolOptions): ResolvedWorkerPoolOptions {
  const threads = options.threads ?? availableParallelism();
  assertPositiveInteger('threads', threads);
  const maxInFlight = options.maxInFlight ?? 2 * threads;
  assertPositiveInteger('maxInFlight', maxInFlight);
  const given = options.filename instanceof URL ? options.filename.href : options.filename;
  if (typeof given !== 'string' || given.length === 0) {
    throw new InvalidOptionError('options.filename must be a path or file URL of the worker module');
  }
  const typescript = /\.[cm]?ts$/.test(given);
  return Object.freeze({
    // A TypeScript module runs behind a shim that registers tsx first (shims/typescript-worker.mjs).
    filename: typescript ? new URL('../shims/typescript-worker.mjs', import.meta.url).href : given,
    argv: typescript
      ? [`--prepkit-typescript-worker=${given.startsWith('file:') ? given : pathToFileURL(given).href}`]
      : [],
    threads,
    maxInFlight,
    workerData: options.workerData,
    execArgv: options.execArgv,
  });
}

export function assertPositiveInteger(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidOptionError(`options.${name} must be a positive integer (got ${String(value)})`);
  }
}
