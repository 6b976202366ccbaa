// The server ended the connection (pg_terminate_backend, a restart, a dropped network): what an idempotent
// operation (a read, a claim) does about it. `withRetry` (transient-errors.ts) also retries serialization failures
// and refused connections; this is narrower, and names the operation when it gives up.
import { setTimeout as sleep } from 'node:timers/promises';
import { PrepkitError } from '@prepkit/bench-harness/errors';

/** The server ended the connection; the operation may be run again on a new one. */
export class ConnectionLostError extends PrepkitError {
  constructor(message: string, options?: ErrorOptions) {
    super('PREPKIT_DB_CONNECTION_LOST', 'connection', message, options);
  }
}

const LOST_CODES = new Set(['57P01', '57P02', '57P03', 'ECONNRESET', 'EPIPE']);
const LOST_MESSAGES = [
  /Connection terminated/i,
  /terminating connection/i,
  /Client has encountered a connection error/i,
];

/** Whether `error` (or an error it wraps) says the server ended the connection. */
export function isConnectionLost(error: unknown): boolean {
  for (let e = error; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown; sqlState?: unknown }).code ?? (e as { sqlState?: unknown }).sqlState;
    if (typeof code === 'string' && (LOST_CODES.has(code) || code.startsWith('08'))) return true;
    if (e instanceof Error && LOST_MESSAGES.some((m) => m.test(e.message))) return true;
    if (e instanceof ConnectionLostError) return true;
  }
  return false;
}

/** Runs an idempotent `fn` again, with back-off, while the connection is lost; then a `ConnectionLostError`. */
export async function retryOnConnectionLoss<T>(
  fn: () => Promise<T>,
  options: { attempts?: number; what: string; signal?: AbortSignal },
): Promise<T> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isConnectionLost(error) || options.signal?.aborted === true) throw error;
      if (attempt >= attempts)
        throw new ConnectionLostError(
          `${options.what}: the server closed the connection (${attempts} attempts)`,
          { cause: error },
        );
      await sleep(Math.min(2000, 100 * 2 ** (attempt - 1)), undefined, { signal: options.signal });
    }
  }
}
