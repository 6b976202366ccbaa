/** Base class of every error the worker pool raises; `code` is stable across releases. */
export class WorkerPoolError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A task threw (or its worker died); `index` is the task's position in the mapped source. */
export class TaskError extends WorkerPoolError {
  readonly index: number;

  constructor(index: number, cause: unknown) {
    super('PREPKIT_WORKER_TASK_FAILED', `task ${index} failed: ${describe(cause)}`, { cause });
    this.index = index;
  }
}

/** Options that cannot work (a thread count of 0, say): a caller's mistake, not a bug. */
export class InvalidOptionError extends WorkerPoolError {
  /** What prepkit's CLIs read to choose the exit code (worker-pool imports no other prepkit package). */
  readonly kind = 'config';

  constructor(message: string) {
    super('PREPKIT_WORKER_INVALID_OPTION', message);
  }
}

function describe(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return String(cause);
}
