// Guards against lost or doubled work after a crash: kills `embeddings run` child processes at random
// points (SIGKILL: no clean-up runs) and checks that restarting finishes the table as one uninterrupted
// run would, each row embedded exactly once, and that two runs at once share the rows without embedding
// one twice, even when one of them dies. Kill points are row counts read from the table, never times.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedTable } from '../../src/embed-table.js';
import { generateTexts } from '../../src/generate.js';
import { Prng } from '@prepkit/bench-harness';
import { makeTestModel } from '../../src/test-model/make-test-model.js';
import { logVectorWrites, query, sleep, startCli } from '../helpers.js';

const db = useTestDatabase();
const ROWS = 6000;
let dir: string;
let model: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'embeddings-resume-'));
  model = join(dir, 'tiny');
  await makeTestModel({ output: model, preset: 'tiny', seed: 'resume' });
  await generateTexts({ db: db.url, table: 'reference', rows: ROWS, seed: 'resume' });
  await embedTable({ db: db.url, table: 'reference', model, threads: 1 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const runArgs = (table: string): string[] => [
  'run',
  '--table',
  table,
  '--model',
  model,
  '--threads',
  '1',
  '--fetch-size',
  '128',
  '--commit-every',
  '1',
  '--json',
];

async function embeddedCount(table: string): Promise<number> {
  const [row] = await query<{ n: string }>(
    db.url,
    `SELECT count(*) AS n FROM ${table} WHERE embedding IS NOT NULL`,
  );
  return Number(row!.n);
}

/** Kills the child with SIGKILL once at least `threshold` rows are embedded; returns the count then. */
async function killAfter(
  child: ReturnType<typeof startCli>,
  table: string,
  threshold: number,
): Promise<number> {
  let exited = false;
  void child.exit.then(() => (exited = true));
  for (;;) {
    const done = await embeddedCount(table);
    if (exited) return done;
    if (done >= threshold) {
      child.process.kill('SIGKILL');
      await child.exit;
      return embeddedCount(table);
    }
    await sleep(20);
  }
}

async function expectSameAsReference(table: string): Promise<void> {
  const rows = await query<{ id: string; a: number[] | null; b: number[] | null; writes: string }>(
    db.url,
    `SELECT r.id, r.embedding AS a, t.embedding AS b, (SELECT count(*) FROM ${table}_writes w WHERE w.id = t.id) AS writes
       FROM reference r JOIN ${table} t ON t.id = r.id ORDER BY r.id`,
  );
  expect(rows.length).toBe(ROWS);
  let maxDiff = 0;
  for (const row of rows) {
    expect(row.b === null, `row ${row.id}`).toBe(row.a === null);
    expect(row.writes, `writes of row ${row.id}`).toBe(row.a === null ? '0' : '1');
    if (row.a === null || row.b === null) continue;
    for (let d = 0; d < row.a.length; d++) maxDiff = Math.max(maxDiff, Math.abs(row.a[d]! - row.b[d]!));
  }
  // Batches differ between interrupted and whole runs; padding is masked exactly, so vectors agree.
  expect(maxDiff).toBeLessThan(1e-6);
  const errors = await query<{ n: string }>(
    db.url,
    `SELECT count(*) AS n FROM (SELECT id, reason FROM reference_embedding_errors
       EXCEPT SELECT id, reason FROM ${table}_embedding_errors) x`,
  );
  expect(errors[0]!.n).toBe('0');
}

describe('kill and resume', () => {
  it('finishes as an uninterrupted run would after SIGKILLs at random points', async () => {
    await generateTexts({ db: db.url, table: 'killed', rows: ROWS, seed: 'resume' });
    await logVectorWrites(db.url, 'killed');
    const prng = new Prng('kill points');
    const kills: number[] = [];
    for (let k = 0; k < 3; k++) {
      const before = await embeddedCount('killed');
      const threshold = before + 200 + prng.int(Math.floor((ROWS - before) / 3));
      kills.push(await killAfter(startCli(runArgs('killed'), db.url), 'killed', threshold));
    }
    // Every kill landed mid-run: some rows were done, some were not.
    expect(kills[0]).toBeGreaterThan(0);
    expect(kills.at(-1)).toBeLessThan(ROWS - 100);
    const last = await startCli(runArgs('killed'), db.url).exit;
    expect(last.code, last.stderr).toBe(0);
    await expectSameAsReference('killed');
    const status = await startCli(['status', '--table', 'killed', '--json'], db.url).exit;
    expect(JSON.parse(status.stdout)).toMatchObject({ total: ROWS, pending: 0, claimed: 0 });
  });

  it('stops on SIGINT with exit code 130, releasing its claims, and a new run finishes the table', async () => {
    await generateTexts({ db: db.url, table: 'interrupted', rows: ROWS, seed: 'resume' });
    await logVectorWrites(db.url, 'interrupted');
    const child = startCli(runArgs('interrupted'), db.url);
    while ((await embeddedCount('interrupted')) < 500) await sleep(20);
    child.process.kill('SIGINT');
    const stopped = await child.exit;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toMatch(/^embeddings: interrupted; rows embedded so far are kept/m);
    const [held] = await query<{ n: string }>(
      db.url,
      'SELECT count(*) AS n FROM interrupted_embedding_claims',
    );
    expect(held!.n).toBe('0');
    const done = await embeddedCount('interrupted');
    expect(done).toBeGreaterThanOrEqual(500);
    expect(done).toBeLessThan(ROWS - 100);
    const last = await startCli(runArgs('interrupted'), db.url).exit;
    expect(last.code, last.stderr).toBe(0);
    await expectSameAsReference('interrupted');
  });

  it('shares the rows between two runs at once, and one finishes what a killed one held', async () => {
    await generateTexts({ db: db.url, table: 'shared', rows: ROWS, seed: 'resume' });
    await logVectorWrites(db.url, 'shared');
    const a = startCli(runArgs('shared'), db.url);
    const b = startCli(runArgs('shared'), db.url);
    const [resultA, resultB] = await Promise.all([a.exit, b.exit]);
    expect(resultA.code, resultA.stderr).toBe(0);
    expect(resultB.code, resultB.stderr).toBe(0);
    const rowsA = (JSON.parse(resultA.stdout) as { counters: { rows: number } }).counters.rows;
    const rowsB = (JSON.parse(resultB.stdout) as { counters: { rows: number } }).counters.rows;
    expect(rowsA).toBeGreaterThan(0);
    expect(rowsB).toBeGreaterThan(0);
    await expectSameAsReference('shared');

    await generateTexts({ db: db.url, table: 'survivor', rows: ROWS, seed: 'resume' });
    await logVectorWrites(db.url, 'survivor');
    const doomed = startCli(runArgs('survivor'), db.url);
    const survivor = startCli(runArgs('survivor'), db.url);
    await killAfter(doomed, 'survivor', 1000 + new Prng('survivor').int(2000));
    const result = await survivor.exit;
    expect(result.code, result.stderr).toBe(0);
    await expectSameAsReference('survivor');
  });
});
