import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describeFailure, passwordOf } from '@prepkit/db-cursors';
import { openDatabase } from './database.js';
import { PrepkitError } from '@prepkit/bench-harness/errors';

/** The SQL files `init-db` applies, in order; the repository's `sql_scripts/` is their one source. */
export const SQL_SCRIPTS = Object.freeze(['discord_schema.sql', 'optimize_indexes.sql'] as const);
export type SqlScript = (typeof SQL_SCRIPTS)[number];

/**
 * Where an SQL script lies: `dist/sql/` in an installed package (the build copies them there), or the
 * repository's `sql_scripts/` when this module runs from the source tree.
 */
export function sqlScriptPath(name: SqlScript): string {
  const candidates = [
    new URL(`./sql/${name}`, import.meta.url),
    new URL(`../../../sql_scripts/${name}`, import.meta.url),
  ].map((url) => fileURLToPath(url));
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined) {
    throw new PrepkitError(
      'PREPKIT_DISCORD_SQL_MISSING',
      'environment',
      `${name} is missing from the package (looked in ${candidates.join(', ')}); reinstall @prepkit/discord-dataset`,
    );
  }
  return found;
}

/** The text of one of the package's SQL scripts. */
export async function readSqlScript(name: SqlScript): Promise<string> {
  return readFile(sqlScriptPath(name), 'utf8');
}

export interface InitDatabaseOptions {
  /** Also create the indexes of `optimize_indexes.sql`. Default: true. */
  indexes?: boolean;
}

export interface InitDatabaseResult {
  /** The scripts applied, in order. */
  readonly applied: readonly SqlScript[];
}

/**
 * Creates the `messages` and `channels` tables and the reply-traversal indexes on the database at
 * `url` (idempotent: what exists is left alone), from the same SQL files a DBA can run with psql.
 *
 * @example
 * await initDatabase('postgresql://app@localhost/discord');
 */
export async function initDatabase(
  url: string,
  options: InitDatabaseOptions = {},
): Promise<InitDatabaseResult> {
  const scripts = options.indexes === false ? SQL_SCRIPTS.slice(0, 1) : [...SQL_SCRIPTS];
  const db = await openDatabase(url, 'init-db', { max: 1 });
  try {
    for (const name of scripts) {
      const sql = await readSqlScript(name);
      try {
        // A multi-statement simple query runs as one implicit transaction: all of a file or nothing.
        await db.pool.query(sql);
      } catch (error) {
        throw describeFailure(`init-db (${name})`, error, [passwordOf(url)]);
      }
    }
  } finally {
    await db.close();
  }
  return { applied: scripts };
}
