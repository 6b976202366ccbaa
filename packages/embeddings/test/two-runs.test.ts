// Two `embeddings run` processes at once on one table (the CLI from source, on the Node on PATH): each row is
// embedded once (a trigger logs each write with the writing run's application_name), both do a share, and the
// vectors are byte for byte those of one process. Runs on hosts of their own: test/stress/hosts.test.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedTable } from '../src/embed-table.js';
import { generateTexts } from '../src/generate.js';
import { makeTestModel } from '../src/test-model/make-test-model.js';
import { logVectorWrites, query, startCli, startTogether, withApplicationName } from './helpers.js';

const db = useTestDatabase();
const ROWS = 2000;
const RUNS = ['run-a', 'run-b'];
let dir: string;
let model: string;

async function count(sql: string): Promise<number> {
  return Number((await query<{ n: string }>(db.url, sql))[0]!.n);
}

async function copyOfSource(table: string): Promise<void> {
  await query(db.url, `CREATE TABLE ${table} (LIKE source INCLUDING ALL)`);
  await query(db.url, `INSERT INTO ${table} SELECT * FROM source`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'embeddings-two-runs-'));
  model = join(dir, 'tiny');
  await makeTestModel({ output: model, preset: 'tiny', seed: 'two runs' });
  await generateTexts({ db: db.url, table: 'source', rows: ROWS, seed: 'two runs' });
  await copyOfSource('reference');
  await embedTable({ db: db.url, table: 'reference', model, threads: 1 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('embeddings run', () => {
  it('two runs at once share one table: each row embedded once, both do a share, the vectors of one process', async () => {
    await copyOfSource('shared');
    await logVectorWrites(db.url, 'shared');
    const args = [
      'run',
      '--table',
      'shared',
      '--model',
      model,
      '--threads',
      '1',
      '--fetch-size',
      '32',
      '--json',
    ];
    const runs = await startTogether(db.url, 'shared', RUNS, () =>
      RUNS.map((name) => startCli(args, withApplicationName(db.url, name))),
    );
    const results = await Promise.all(runs.map((run) => run.exit));
    for (const result of results) expect(result.code, result.stderr).toBe(0);

    expect(
      await count(
        `SELECT count(*) AS n FROM shared s FULL JOIN reference r USING (id)
          WHERE array_send(s.embedding) IS DISTINCT FROM array_send(r.embedding)`,
      ),
      'rows whose vector differs from the one-process run, byte for byte',
    ).toBe(0);
    expect(
      await count(
        `SELECT count(*) AS n FROM shared_embedding_errors e FULL JOIN reference_embedding_errors r USING (id)
          WHERE e.reason IS DISTINCT FROM r.reason`,
      ),
      'rows recorded as errors differently',
    ).toBe(0);
    expect(
      await count(
        'SELECT count(*) AS n FROM (SELECT id FROM shared_writes GROUP BY id HAVING count(*) <> 1) x',
      ),
      'rows written more than once',
    ).toBe(0);
    const written = await count('SELECT count(*) AS n FROM shared_writes');
    expect(written).toBe(await count('SELECT count(*) AS n FROM shared WHERE embedding IS NOT NULL'));
    expect(await count('SELECT count(*) AS n FROM shared_embedding_claims')).toBe(0);
    // Both did a share, and the rows each reports add up to the rows written.
    const shares = await query<{ host: string }>(
      db.url,
      'SELECT DISTINCT host FROM shared_writes ORDER BY host',
    );
    expect(shares.map((share) => share.host)).toEqual(RUNS);
    const reported = results.map(
      (result) => (JSON.parse(result.stdout) as { counters: { rows: number } }).counters.rows,
    );
    expect(reported.reduce((sum, rows) => sum + rows, 0)).toBe(written);
  });
});
