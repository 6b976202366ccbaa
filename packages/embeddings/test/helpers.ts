import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const CLI = fileURLToPath(new URL('./fixtures/cli.ts', import.meta.url));

/** Runs one SQL statement on a fresh connection. */
export async function query<R extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export interface Child {
  readonly process: ChildProcess;
  readonly exit: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>;
}

/** Starts the embeddings CLI (from source) as a child process; the URL goes in DATABASE_URL. */
export function startCli(args: readonly string[], databaseUrl: string): Child {
  return watchChild(
    spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

/** Collects a child's stdout and stderr (both piped) for when it exits. */
export function watchChild(child: ChildProcess): Child {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { process: child, exit };
}

/**
 * Logs every write of a vector to `<table>_writes` (id, and the writer's application_name as `host`), so a
 * test can see that no row was embedded twice, and which run wrote it.
 */
export async function logVectorWrites(url: string, table: string): Promise<void> {
  await query(url, `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS embedding real[]`);
  await query(
    url,
    `CREATE TABLE ${table}_writes (id bigint NOT NULL, host text NOT NULL DEFAULT current_setting('application_name'))`,
  );
  await query(
    url,
    `CREATE FUNCTION ${table}_log_write() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN INSERT INTO ${table}_writes (id) VALUES (NEW.id); RETURN NEW; END $$`,
  );
  await query(
    url,
    `CREATE TRIGGER ${table}_log_write AFTER UPDATE OF embedding ON ${table}
       FOR EACH ROW WHEN (NEW.embedding IS NOT NULL) EXECUTE FUNCTION ${table}_log_write()`,
  );
}

/** The URL with `application_name` set: pg_stat_activity and the write log then tell runs apart. */
export function withApplicationName(url: string, name: string): string {
  const out = new URL(url);
  out.searchParams.set('application_name', name);
  return out.toString();
}

/**
 * Starts runs that begin claiming together, not in the order their processes came up: `table` stays locked
 * until every run named in `names` (its application_name) waits on the lock, which each does once its model
 * is loaded. `start` starts them; a run that exits first fails this with its stderr.
 */
export async function startTogether(
  url: string,
  table: string,
  names: readonly string[],
  start: () => readonly Child[],
): Promise<readonly Child[]> {
  const gate = new pg.Client(url);
  await gate.connect();
  try {
    await gate.query('BEGIN');
    await gate.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    const children = start();
    let exited: Child | undefined;
    for (const child of children) void child.exit.then(() => (exited ??= child));
    for (;;) {
      if (exited !== undefined)
        throw new Error(`a run exited before ${table} was released: ${(await exited.exit).stderr}`);
      // Inside a transaction pg_stat_activity is a snapshot taken at its first read: take a new one.
      await gate.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await gate.query<{ n: string }>(
        `SELECT count(DISTINCT application_name) AS n FROM pg_stat_activity
          WHERE application_name = ANY($1) AND wait_event_type = 'Lock'`,
        [names],
      );
      if (Number(rows[0]!.n) === names.length) break;
      await sleep(10);
    }
    await gate.query('COMMIT');
    return children;
  } finally {
    await gate.end();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
