import type pg from 'pg';
import { ConnectionError, createPool, describeFailure, passwordOf, redact } from '@prepkit/db-cursors';
import { InvalidOptionError } from '@prepkit/bench-harness/errors';
import { ReadOnlyDatabaseError, SchemaError } from './errors.js';

/** A database opened by this package: its pool and what error messages may say about it. */
export interface Database {
  readonly pool: pg.Pool;
  /** The URL with its password masked, for messages and manifests. */
  readonly safeUrl: string;
  /** Masks every secret of this connection in `text`. */
  redact(text: string): string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Connections in the pool. Default: 2. */
  max?: number;
  /** Every transaction read-only (`default_transaction_read_only`). Default: false. */
  readOnly?: boolean;
}

/**
 * Opens a pool on `url` and checks that it answers, so that a wrong password or an unreachable
 * host fails at once with one line (`ConnectionError`) that names the server but never the password.
 */
export async function openDatabase(
  url: string,
  what: string,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  assertDatabaseUrl(url, what);
  const secrets = [passwordOf(url)];
  const mask = (text: string): string => redact(text, secrets);
  // JIT compiles a long scan's expressions for 0.1-0.3 s before its first row and gains these streaming reads
  // nothing (a shard's read: 612 ms with it, 574 ms without).
  const settings = [
    '-c jit=off',
    ...(options.readOnly === true ? ['-c default_transaction_read_only=on'] : []),
  ];
  const pool = createPool(url, {
    max: options.max ?? 2,
    connectionTimeoutMillis: 15_000,
    options: settings.join(' '),
  });
  const safeUrl = redact(url);
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown }).code;
    throw new ConnectionError(
      mask(`${what}: cannot connect to ${safeUrl}: ${oneLine(reason)}`),
      typeof code === 'string' ? code : undefined,
    );
  }
  return { pool, safeUrl, redact: mask, close: () => pool.end() };
}

/** A malformed URL is a configuration error, found before anything else is looked at (`InvalidOptionError`). */
export function assertDatabaseUrl(url: string, what: string): void {
  if (typeof url !== 'string' || !/^postgres(ql)?:\/\//i.test(url) || !URL.canParse(url)) {
    throw new InvalidOptionError(
      `${what}: the database must be a valid postgresql:// URL (got ${url === '' ? 'nothing' : JSON.stringify(redact(String(url)))})`,
    );
  }
}

/** The columns of `messages` that reading needs (`prepare`, `bench`). */
export const READ_COLUMNS = Object.freeze([
  'id',
  'channel_id',
  'author_id',
  'author_name',
  'author_nickname',
  'is_bot',
  'content',
  'created_at',
  'type',
  'referenced_message_id',
  'mentions',
]);

/** The columns `import` and `generate` write. */
export const WRITE_COLUMNS = Object.freeze([
  ...READ_COLUMNS,
  'guild_id',
  'edited_at',
  'forwarded_message_id',
]);

/**
 * Checks that `table` exists with `columns`, and says what is missing (and to run init-db) if not,
 * before a query fails half-way with PostgreSQL's own wording. `what` (the command) starts a failure's message.
 */
export async function requireColumns(
  pool: pg.Pool,
  table: string,
  columns: readonly string[],
  what: string,
): Promise<void> {
  const { rows } = await pool
    .query<{ column_name: string }>(
      `SELECT a.attname AS column_name FROM pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
      [table],
    )
    .catch((error: unknown) => {
      throw describeFailure(`${what}: checking table "${table}"`, error);
    });
  if (rows.length === 0) {
    throw new SchemaError([`table "${table}"`], ' (looked up with the connection search_path)');
  }
  const present = new Set(rows.map((r) => r.column_name));
  const missing = columns.filter((c) => !present.has(c));
  if (missing.length > 0) throw new SchemaError(missing.map((c) => `column ${table}.${c}`));
}

/**
 * Checks that this connection may insert and update rows of `table`, so that a read-only database (a
 * standby, `default_transaction_read_only`) or a user without the privilege gets one line naming the
 * table before anything is written, not PostgreSQL's error half-way through an import.
 */
export async function requireWritable(pool: pg.Pool, table: string): Promise<void> {
  // A privilege is NULL for a table that does not exist: requireColumns reports that one.
  const { rows } = await pool.query<{
    read_only: string;
    insert: boolean | null;
    update: boolean | null;
    role: string;
  }>(
    `SELECT current_setting('transaction_read_only') AS read_only, current_user AS role,
            has_table_privilege(to_regclass($1), 'INSERT') AS insert,
            has_table_privilege(to_regclass($1), 'UPDATE') AS update`,
    [table],
  );
  const row = rows[0]!;
  if (row.read_only === 'on') {
    throw new ReadOnlyDatabaseError(table, 'the database is read-only (transaction_read_only is on)');
  }
  const missing = [row.insert === false ? 'INSERT' : '', row.update === false ? 'UPDATE' : ''].filter(
    (p) => p !== '',
  );
  if (missing.length > 0) {
    throw new ReadOnlyDatabaseError(
      table,
      `role ${JSON.stringify(row.role)} lacks the ${missing.join(' and ')} privilege`,
    );
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
