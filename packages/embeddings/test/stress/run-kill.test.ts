// Guards against lost or doubled work after a crash or a stop: `embeddings run` child processes are SIGKILLed
// (no clean-up runs) at 20 seeded points spread over a whole run, or sent SIGINT / SIGTERM, and a restart must
// finish the table as one uninterrupted run does: the same vectors (sha256 of every row's vector text), each
// row written exactly once (a trigger logs every write), the same errors, no claim left. Kill points are
// progress read from the table (claims taken, rows committed), never times.
import { Prng } from '@prepkit/bench-harness';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Child } from '../helpers.js';
import { ROWS, poll, runFixture } from './run-fixture.js';
import type { RunFixture } from './run-fixture.js';

const db = useTestDatabase();
const POINTS = 20;
let f: RunFixture;

beforeAll(async () => {
  f = await runFixture(db.url);
});
afterAll(async () => {
  await f?.close();
});

/** Waits (polling the table, no fixed sleep) until `reached()` or the child exits; SIGKILLs it if still running. */
async function killWhen(
  child: Child,
  reached: () => Promise<boolean>,
): Promise<{ outcome: 'killed' | 'finished'; stderr: string }> {
  let exited = false;
  void child.exit.then(() => (exited = true));
  while (!exited && !(await reached())) await poll();
  if (!exited) child.process.kill('SIGKILL');
  const result = await child.exit;
  return { outcome: result.signal === 'SIGKILL' ? 'killed' : 'finished', stderr: result.stderr };
}

// Point 0 is the first claim (nothing committed yet); the others are committed-row counts, one drawn from
// each twentieth of the run.
const prng = new Prng('embeddings run kill points');
const points = Array.from({ length: POINTS }, (_, i) => {
  const rows = i === 0 ? 0 : Math.floor(((i + prng.next()) * ROWS * 0.95) / POINTS);
  return { point: i + 1, rows, when: rows === 0 ? 'the first claim' : `${rows} rows committed` };
});

describe('embeddings run', () => {
  it.each(points.map((p) => [p.point, p.when, p] as const))(
    `[kill] SIGKILL at point %i of ${POINTS} (at %s): a restart embeds every row once, as an uninterrupted run`,
    async (_, __, { point, rows }) => {
      const table = `killed_${point}`;
      await f.table(table);
      const child = f.start(table);
      const reached =
        rows === 0
          ? async () =>
              (await f.count(
                `SELECT count(*) AS n FROM pg_tables WHERE tablename = '${table}_embedding_claims'`,
              )) > 0 && (await f.count(`SELECT count(*) AS n FROM ${table}_embedding_claims`)) > 0
          : async () =>
              (await f.count(`SELECT count(*) AS n FROM ${table} WHERE embedding IS NOT NULL`)) >= rows;
      const { outcome, stderr } = await killWhen(child, reached);
      expect(outcome, stderr).toBe('killed');
      // Nothing half-written: a row has its whole vector or none.
      expect(
        await f.count(
          `SELECT count(*) AS n FROM ${table} WHERE embedding IS NOT NULL AND cardinality(embedding) <> 32`,
        ),
      ).toBe(0);
      expect(await f.count(`SELECT count(*) AS n FROM ${table} WHERE embedding IS NOT NULL`)).toBeLessThan(
        ROWS,
      );
      await f.expectFinishedLikeReference(table);
    },
  );

  it('[kill] SIGKILL of one of two runs sharing the table: the other finishes the rows the killed one held', async () => {
    await f.table('survivor');
    const doomed = f.start('survivor');
    const survivor = f.start('survivor');
    const threshold = 500 + new Prng('survivor').int(1000);
    await killWhen(
      doomed,
      async () =>
        (await f.count('SELECT count(*) AS n FROM survivor WHERE embedding IS NOT NULL')) >= threshold,
    );
    const result = await survivor.exit;
    expect(result.code, result.stderr).toBe(0);
    // A run that ended at once still leaves the table complete; expectFinished… reruns once more (nothing to do).
    await f.expectFinishedLikeReference('survivor');
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    '[signal] %s mid-run: exit 130 after releasing its claims, committed rows kept, a restart finishes',
    async (signal) => {
      const table = `stopped_${signal.toLowerCase()}`;
      await f.table(table);
      const child = f.start(table);
      const embedded = (): Promise<number> =>
        f.count(`SELECT count(*) AS n FROM ${table} WHERE embedding IS NOT NULL`);
      while ((await embedded()) < ROWS / 4) await poll();
      child.process.kill(signal);
      const stopped = await child.exit;
      expect(stopped.code, stopped.stderr).toBe(130);
      expect(stopped.stderr).toMatch(
        /^embeddings: interrupted; rows embedded so far are kept and a new run finishes the rest$/m,
      );
      // The JSON report on stdout says so too, and nothing else is printed.
      expect(JSON.parse(stopped.stdout)).toMatchObject({ status: 'failed' });
      expect(await f.count(`SELECT count(*) AS n FROM ${table}_embedding_claims`)).toBe(0);
      expect(await embedded()).toBeGreaterThanOrEqual(ROWS / 4);
      expect(await embedded()).toBeLessThan(ROWS);
      await f.expectFinishedLikeReference(table);
    },
  );
});
