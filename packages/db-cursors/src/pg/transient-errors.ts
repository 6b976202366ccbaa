import { setTimeout as sleep } from 'node:timers/promises';

// SQLSTATEs after which the same statement may succeed on a fresh attempt:
// class 08 (connection exception), 57P01..57P03 (admin shutdown, e.g. pg_terminate_backend;
// crash shutdown; cannot connect now), 40001 (serialization failure), 40P01 (deadlock).
const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03', '40001', '40P01']);
const TRANSIENT_NODE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);
const TRANSIENT_MESSAGES = [
  /Connection terminated/i,
  /terminating connection/i,
  /Client has encountered a connection error/i,
];

/**
 * The SQLSTATE of a pg error, or Node's system error code; for db-cursors' own `ConnectionError` and
 * `QueryError`, whose `code` is prepkit's, the driver's code they keep in `sqlState`.
 */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, sqlState } = error as { code?: unknown; sqlState?: unknown };
  if (typeof sqlState === 'string') return sqlState;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Whether retrying the same idempotent operation on a new connection may succeed: judged by the error, or by
 * its `cause` when a library wrapped it (a queue that could not open because the server refused).
 */
export function isTransientError(error: unknown): boolean {
  if (isTransientItself(error)) return true;
  const cause = error instanceof Error ? error.cause : undefined;
  return cause !== undefined && cause !== error && isTransientItself(cause);
}

function isTransientItself(error: unknown): boolean {
  const code = errorCode(error);
  if (
    code !== undefined &&
    (TRANSIENT_SQLSTATES.has(code) || code.startsWith('08') || TRANSIENT_NODE_CODES.has(code))
  ) {
    return true;
  }
  const message = error instanceof Error ? error.message : '';
  return TRANSIENT_MESSAGES.some((pattern) => pattern.test(message));
}

export interface RetryOptions {
  /** Attempts after the first. Default: 5. */
  retries?: number;
  /** First back-off; doubles each time, with jitter, up to `maxDelayMs`. Default: 100 ms. */
  baseDelayMs?: number;
  /** Default: 5000 ms. */
  maxDelayMs?: number;
  signal?: AbortSignal;
  /** Called before each retry, e.g. to log it. */
  onRetry?: (error: unknown, attempt: number) => void;
}

/** Runs `operation`, retrying transient failures with exponential back-off. Only for idempotent work. */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const retries = options.retries ?? 5;
  const base = options.baseDelayMs ?? 100;
  const max = options.maxDelayMs ?? 5000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= retries || !isTransientError(error) || options.signal?.aborted === true) throw error;
      options.onRetry?.(error, attempt + 1);
      const delay = Math.min(max, base * 2 ** attempt) * (0.5 + Math.random() / 2);
      await sleep(delay, undefined, { signal: options.signal });
    }
  }
}
