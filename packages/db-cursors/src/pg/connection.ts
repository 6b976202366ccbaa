import pg from 'pg';
import { ConnectionError, QueryError } from '../errors.js';
import { passwordOf, redact } from '@prepkit/bench-harness/redact';
import { isConnectionLost } from './connection-loss.js';
import { errorCode } from './transient-errors.js';

/** What db-cursors needs of a pool: `pg.Pool` fits, and so does anything shaped like it. */
export interface PgPoolLike {
  connect(): Promise<pg.PoolClient>;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<R>>;
}

export interface CreatePoolOptions extends Omit<pg.PoolConfig, 'connectionString' | 'password'> {
  /** Shown in `pg_stat_activity`. Default: `prepkit`. */
  applicationName?: string;
  /** Receives errors of idle connections (a restarted server, say), redacted. Default: ignore them. */
  onIdleError?: (error: Error) => void;
}

// SQLSTATEs that mean "these credentials or this database are wrong": no retry helps.
const CONNECTION_SQLSTATES = new Set(['28P01', '28000', '3D000', '08001', '08004', '08006']);

/**
 * Server-side TCP keepalives of every session: a client that vanishes without closing its connection (a
 * machine powered off, a network cut) is noticed by the server in about 2 minutes instead of the kernel's
 * default of about 2 hours, so what its session held (locks, embeddings' row claims) goes back. A URL
 * that sets `options` itself keeps its own (pg lets the URL win).
 */
export const SERVER_KEEPALIVE_OPTIONS =
  '-c tcp_keepalives_idle=60 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=6';

/**
 * A `pg.Pool` for `url` whose idle-connection errors cannot crash the process (pg emits them as
 * 'error' events, fatal without a listener), whose errors never carry the password, and whose sessions
 * have TCP keepalives on both ends (`SERVER_KEEPALIVE_OPTIONS`).
 */
export function createPool(url: string, options: CreatePoolOptions = {}): pg.Pool {
  const { applicationName = 'prepkit', onIdleError, ...config } = options;
  const pool = new pg.Pool({
    keepAlive: true,
    ...config,
    // A caller's own server options come after, so they win where they overlap; pg lets a URL's `options`
    // replace all of these.
    options: [SERVER_KEEPALIVE_OPTIONS, config.options].filter((o) => o !== undefined && o !== '').join(' '),
    connectionString: url,
    application_name: applicationName,
  });
  pool.on('error', (error) =>
    onIdleError?.(new Error(redact(error.message, [passwordOf(url)]), { cause: error })),
  );
  return pool;
}

/**
 * Wraps a failure of `what` (an operation, a table) in an error that says where and why,
 * with every secret masked; connection failures (bad password, unknown database, refused) become
 * `ConnectionError`, the rest `QueryError`.
 */
export function describeFailure(
  what: string,
  error: unknown,
  secrets: readonly (string | undefined)[] = [],
): Error {
  if (error instanceof ConnectionError || error instanceof QueryError) return error;
  const code = errorCode(error);
  const reason = redact(error instanceof Error ? error.message : String(error), secrets);
  if (
    code !== undefined &&
    (CONNECTION_SQLSTATES.has(code) || code === 'ECONNREFUSED' || code === 'ENOTFOUND')
  ) {
    return new ConnectionError(`${what}: cannot connect: ${reason}`, code);
  }
  // The server ended the connection mid-statement (a restart, pg_terminate_backend): pg's error may carry no
  // code ('Connection terminated unexpectedly'); it is the connection's fault, not a bug.
  if (isConnectionLost(error))
    return new ConnectionError(`${what}: the connection was lost: ${reason}`, code);
  return new QueryError(`${what}: ${reason}`, code);
}

/**
 * Checks out a client for a stretch of work. While it is out, a server-side disconnect makes pg
 * emit 'error' on the client, which would crash the process with no listener; the listener here
 * swallows the event, since the query in flight rejects with the same error anyway.
 * `release(broken)` puts it back, or discards it if the connection may be in a bad state.
 */
export async function checkOut(
  pool: PgPoolLike,
): Promise<{ client: pg.PoolClient; release: (broken: boolean) => void }> {
  const client = await pool.connect();
  const ignore = (): void => {};
  client.on('error', ignore);
  return {
    client,
    release: (broken) => {
      client.removeListener('error', ignore);
      client.release(broken ? true : undefined);
    },
  };
}
