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
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
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

/** Logs every write of a vector to `<table>_writes`, so a test can see that no row was embedded twice. */
export async function logVectorWrites(url: string, table: string): Promise<void> {
  await query(url, `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS embedding real[]`);
  await query(url, `CREATE TABLE ${table}_writes (id bigint NOT NULL)`);
  await query(
    url,
    `CREATE FUNCTION ${table}_log_write() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN INSERT INTO ${table}_writes VALUES (NEW.id); RETURN NEW; END $$`,
  );
  await query(
    url,
    `CREATE TRIGGER ${table}_log_write AFTER UPDATE OF embedding ON ${table}
       FOR EACH ROW WHEN (NEW.embedding IS NOT NULL) EXECUTE FUNCTION ${table}_log_write()`,
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
