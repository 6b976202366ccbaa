// What the `embeddings run` stress files share: a tiny model, a reference table embedded by one uninterrupted
// run, tables of the same texts to break runs on, and the check that a broken-then-finished table holds
// exactly what the reference does.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { expect } from 'vitest';
import { embedTable } from '../../src/embed-table.js';
import { generateTexts } from '../../src/generate.js';
import { makeTestModel } from '../../src/test-model/make-test-model.js';
import { logVectorWrites, startCli } from '../helpers.js';
import type { Child } from '../helpers.js';

// About 90 windows of 32 rows, a commit each: a run of a second or two, long enough to stop anywhere in it.
export const ROWS = 3000;
const SEED = 'stress';

export interface RunFixture {
  readonly url: string;
  readonly model: string;
  /** A connection of the test's own, to watch and to break things with. */
  readonly watcher: pg.Client;
  /** Digests of the reference table, embedded by one uninterrupted run. */
  readonly reference: Outcome;
  /** Creates `table` with the reference's texts and a log of every vector written. */
  table(table: string): Promise<void>;
  runArgs(table: string, ...more: string[]): string[];
  start(table: string, ...more: string[]): Child;
  count(sql: string, params?: unknown[]): Promise<number>;
  embedded(table: string): Promise<number>;
  /** A new run finishes the table as the uninterrupted reference run did, each row written once. */
  expectFinishedLikeReference(table: string): Promise<void>;
  close(): Promise<void>;
}

export interface Outcome {
  readonly digest: string;
  readonly errors: string;
}

export async function runFixture(url: string): Promise<RunFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'embeddings-stress-'));
  const model = join(dir, 'tiny');
  await makeTestModel({ output: model, preset: 'tiny', seed: SEED });
  const watcher = new pg.Client(url);
  await watcher.connect();
  watcher.on('error', () => undefined);
  await generateTexts({ db: url, table: 'reference', rows: ROWS, seed: SEED });
  await embedTable({ db: url, table: 'reference', model, threads: 1 });

  const count = async (sql: string, params: unknown[] = []): Promise<number> => {
    const { rows } = await watcher.query<{ n: string }>(sql, params);
    return Number(rows[0]!.n);
  };
  /** The sha256 of every row's id and vector text, and of its errors. */
  const outcome = async (table: string): Promise<Outcome> => {
    const { rows } = await watcher.query<Outcome>(
      `SELECT (SELECT encode(sha256(convert_to(string_agg(id || ':' || coalesce(embedding::text, '-'), E'\\n' ORDER BY id), 'UTF8')), 'hex')
                 FROM ${table}) AS digest,
              (SELECT encode(sha256(convert_to(coalesce(string_agg(id || ':' || reason, E'\\n' ORDER BY id), ''), 'UTF8')), 'hex')
                 FROM ${table}_embedding_errors) AS errors`,
    );
    return rows[0]!;
  };
  const reference = await outcome('reference');
  const runArgs = (table: string, ...more: string[]): string[] => [
    'run',
    '--table',
    table,
    '--model',
    model,
    '--threads',
    '1',
    '--fetch-size',
    '32',
    '--json',
    ...more,
  ];
  const start = (table: string, ...more: string[]): Child => startCli(runArgs(table, ...more), url);
  const embedded = (table: string): Promise<number> =>
    count(`SELECT count(*) AS n FROM ${table} WHERE embedding IS NOT NULL`);

  return {
    url,
    model,
    watcher,
    reference,
    table: async (table) => {
      await generateTexts({ db: url, table, rows: ROWS, seed: SEED });
      await logVectorWrites(url, table);
    },
    runArgs,
    start,
    count,
    embedded,
    expectFinishedLikeReference: async (table) => {
      const last = await start(table).exit;
      expect(last.code, last.stderr).toBe(0);
      expect(await outcome(table)).toEqual(reference);
      expect(
        await count(
          `SELECT count(*) AS n FROM (SELECT id FROM ${table}_writes GROUP BY id HAVING count(*) <> 1) x`,
        ),
        'rows written more than once',
      ).toBe(0);
      expect(await count(`SELECT count(*) AS n FROM ${table}_writes`)).toBe(await embedded(table));
      expect(await count(`SELECT count(*) AS n FROM ${table}_embedding_claims`)).toBe(0);
    },
    close: async () => {
      await watcher.end();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The pause between two looks at the database while waiting for an event (a row count, a blocked query). */
export function poll(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 10));
}
