// Guards the many-hosts promise of issue 16 without a second machine: three network namespaces
// (`NetworkHosts` of @prepkit/job-queue/testing), each joined to this one by a veth pair, each run the built
// `embeddings run` against one table, reaching PostgreSQL only over its own veth address. Every row must be
// embedded exactly once (a trigger logs each write of a vector with the writer's application_name, one per
// host), with vectors byte-equal (array_send) to one process's run on a copy of the table; a host SIGKILLed
// while it holds claimed rows it has not written loses nothing. Needs root and iproute2; skipped otherwise.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Prng } from '@prepkit/bench-harness';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { NetworkHosts, canRunNetworkHosts } from '@prepkit/job-queue/testing';
import type { NetworkHost } from '@prepkit/job-queue/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTexts } from '../../src/generate.js';
import { makeTestModel } from '../../src/test-model/make-test-model.js';
import { logVectorWrites, startTogether, watchChild, withApplicationName } from '../helpers.js';
import type { Child } from '../helpers.js';
import { poll } from './run-fixture.js';

const db = useTestDatabase();
const BIN = fileURLToPath(new URL('../../bin/embeddings.js', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/cli/run.js', import.meta.url));
// About 190 windows of 32 rows: each of three hosts gets dozens of windows, and one can be killed mid-run.
const ROWS = 6000;
const HOSTS = ['host-1', 'host-2', 'host-3'] as const;

let dir: string;
let model: string;
let network: NetworkHosts;
let watcher: pg.Client;

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await watcher.query<{ n: string }>(sql, params);
  return Number(rows[0]!.n);
}

/** Starts the built `embeddings run` on `table` as `name`, in `host`'s namespace or (without one) here on 127.0.0.1. */
function startRun(name: string, table: string, host?: NetworkHost): Child {
  const args = [
    BIN,
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
  ];
  const options = {
    env: { ...process.env, DATABASE_URL: withApplicationName(host?.databaseUrl ?? db.url, name) },
    stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'],
  };
  return watchChild(
    host === undefined
      ? spawn(process.execPath, args, options)
      : network.spawn(host, process.execPath, args, options),
  );
}

/** Rows a finished run reports it embedded (its --json report). */
function rowsOf(stdout: string): number {
  return (JSON.parse(stdout) as { counters: { rows: number } }).counters.rows;
}

/** A copy of the generated source table, with a log of every vector written and by which host. */
async function copyTable(table: string): Promise<void> {
  await watcher.query(`CREATE TABLE ${table} (LIKE source INCLUDING ALL)`);
  await watcher.query(`INSERT INTO ${table} SELECT * FROM source`);
  await logVectorWrites(db.url, table);
}

/** One run per host, claiming together. */
function startOnEveryHost(table: string): Promise<readonly Child[]> {
  return startTogether(db.url, table, HOSTS, () =>
    HOSTS.map((name, i) => startRun(name, table, network.hosts[i])),
  );
}

/** `table` holds what the one-process run on `reference` wrote, each row written exactly once, no claim left. */
async function expectLikeReference(table: string): Promise<void> {
  expect(
    await count(
      `SELECT count(*) AS n FROM ${table} t FULL JOIN reference r USING (id)
        WHERE array_send(t.embedding) IS DISTINCT FROM array_send(r.embedding)`,
    ),
    'rows whose vector differs from the one-process run, byte for byte',
  ).toBe(0);
  expect(
    await count(
      `SELECT count(*) AS n FROM ${table}_embedding_errors e FULL JOIN reference_embedding_errors r USING (id)
        WHERE e.reason IS DISTINCT FROM r.reason`,
    ),
    'rows recorded as errors differently',
  ).toBe(0);
  expect(
    await count(
      `SELECT count(*) AS n FROM (SELECT id FROM ${table}_writes GROUP BY id HAVING count(*) <> 1) x`,
    ),
    'rows written more than once',
  ).toBe(0);
  expect(await count(`SELECT count(*) AS n FROM ${table}_writes`)).toBe(
    await count(`SELECT count(*) AS n FROM ${table} WHERE embedding IS NOT NULL`),
  );
  expect(await count(`SELECT count(*) AS n FROM ${table}_embedding_claims`)).toBe(0);
}

const canNetns = canRunNetworkHosts();

describe.skipIf(!canNetns)('embeddings run', () => {
  beforeAll(async () => {
    if (!existsSync(BUILT))
      throw new Error(`no built CLI at ${BUILT}: run npm run build -w packages/embeddings`);
    dir = await mkdtemp(join(tmpdir(), 'embeddings-hosts-'));
    model = join(dir, 'tiny');
    await makeTestModel({ output: model, preset: 'tiny', seed: 'hosts' });
    watcher = new pg.Client(db.url);
    await watcher.connect();
    await generateTexts({ db: db.url, table: 'source', rows: ROWS, seed: 'hosts' });
    // The reference: one process on a copy of the table, here on 127.0.0.1.
    await copyTable('reference');
    const alone = await startRun('alone', 'reference').exit;
    expect(alone.code, alone.stderr).toBe(0);
    network = await NetworkHosts.start(db.url, HOSTS.length);
  });

  afterAll(async () => {
    await network?.close();
    await watcher?.end();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('[db] three hosts, each over its own veth address, share one table: each row embedded once, the vectors of one process', async () => {
    await copyTable('shared');
    const runs = await startOnEveryHost('shared');
    const results = await Promise.all(runs.map((run) => run.exit));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    await expectLikeReference('shared');
    // Each host did a share, and the rows the runs report add up to the rows written.
    const { rows: shares } = await watcher.query<{ host: string; n: string }>(
      'SELECT host, count(*) AS n FROM shared_writes GROUP BY host ORDER BY host',
    );
    expect(shares.map((share) => share.host)).toEqual([...HOSTS]);
    expect(results.reduce((sum, result) => sum + rowsOf(result.stdout), 0)).toBe(
      await count('SELECT count(*) AS n FROM shared_writes'),
    );
  });

  it('[kill] SIGKILL of one host mid-window: the other hosts embed the rows it held, each once, and a rerun there has nothing left', async () => {
    await copyTable('killed');
    const runs = await startOnEveryHost('killed');
    const doomed = runs[1]!;
    const doomedName = HOSTS[1];
    let doomedExited = false;
    void doomed.exit.then(() => (doomedExited = true));
    // Killed once it has committed some windows and holds claimed rows it has not written yet: mid-window.
    const written = 100 + new Prng('embeddings hosts kill').int(900);
    let held: string[] = [];
    // The first run to get the table creates the claims table.
    while (
      !doomedExited &&
      (await count("SELECT count(*) AS n FROM pg_tables WHERE tablename = 'killed_embedding_claims'")) === 0
    )
      await poll();
    while (!doomedExited) {
      const { rows } = await watcher.query<{ written: string; held: string[] | null }>(
        `SELECT (SELECT count(*) FROM killed_writes WHERE host = $1) AS written,
                (SELECT array_agg(c.id::text) FROM killed_embedding_claims c
                   JOIN pg_stat_activity a ON a.pid = c.owner_pid
                   JOIN killed t ON t.id = c.id
                  WHERE a.application_name = $1 AND t.embedding IS NULL) AS held`,
        [doomedName],
      );
      held = rows[0]!.held ?? [];
      if (Number(rows[0]!.written) >= written && held.length > 0) break;
      await poll();
    }
    doomed.process.kill('SIGKILL');
    const killed = await doomed.exit;
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    // Its claims go back when its connections end: no run waits on a dead one.
    while (
      (await count(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1`, [doomedName])) >
      0
    )
      await poll();
    for (const survivor of [runs[0]!, runs[2]!]) {
      const result = await survivor.exit;
      expect(result.code, result.stderr).toBe(0);
    }
    // The rows it held and had not committed were written by the others (a commit in flight when it was killed
    // may have landed: those are its own), or recorded as errors (null or empty texts).
    const { rows: fates } = await watcher.query<{ host: string | null; error: boolean }>(
      `SELECT w.host, e.id IS NOT NULL AS error FROM unnest($1::bigint[]) h (id)
         LEFT JOIN killed_writes w ON w.id = h.id LEFT JOIN killed_embedding_errors e ON e.id = h.id`,
      [held],
    );
    expect(
      fates.filter((fate) => fate.host === null && !fate.error),
      'held rows left without a vector',
    ).toEqual([]);
    expect(
      fates.filter((fate) => fate.host !== null && fate.host !== doomedName).length,
      `rows of the ${held.length} it held written by the others`,
    ).toBeGreaterThan(0);
    await expectLikeReference('killed');
    // A rerun on the killed host finds nothing left to do.
    const rerun = await startRun(doomedName, 'killed', network.hosts[1]).exit;
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rowsOf(rerun.stdout)).toBe(0);
    await expectLikeReference('killed');
  });
});
