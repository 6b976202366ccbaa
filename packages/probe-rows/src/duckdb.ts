import type { DuckDB } from '@prepkit/db-cursors';

// Where probe-rows meets DuckDB: its memory setting, its error messages, and stopping a statement on abort.

/**
 * DuckDB's `memory_limit` for a limit in GiB (2^30 bytes), as whole KiB: DuckDB reads `GB` as 10^9 bytes,
 * and a fraction such as `1e-7GiB` would not parse.
 */
export function memoryLimitSetting(gib: number): string {
  return `${Math.max(1, Math.round(gib * 1024 * 1024))}KiB`;
}

/** DuckDB's error type, from a message like `DuckDB: Out of Memory Error: …` → `Out of Memory`. */
export function duckdbErrorType(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : '';
  return /^(?:DuckDB: )?([A-Z][A-Za-z ]*?) Error: /.exec(message)?.[1];
}

/** The first line of DuckDB's message, which says what is wrong (the rest quotes the SQL back). */
export function duckdbReason(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/^DuckDB: /, '').split('\n')[0]!;
}

/**
 * Interrupts `db`'s running statement when `signal` aborts, and keeps interrupting every 50 ms until disposed:
 * DuckDB's interrupt reaches only a statement already running, so an abort just before a statement starts was lost
 * and the whole statement ran (a minute of `generate` under load).
 */
export function interruptOnAbort(db: DuckDB, signal: AbortSignal | undefined): Disposable {
  let timer: NodeJS.Timeout | undefined;
  const interrupt = (): void => {
    db.connection.interrupt();
    timer = setInterval(() => db.connection.interrupt(), 50);
  };
  if (signal?.aborted === true) interrupt();
  else signal?.addEventListener('abort', interrupt, { once: true });
  return {
    [Symbol.dispose]: () => {
      signal?.removeEventListener('abort', interrupt);
      clearInterval(timer);
    },
  };
}
