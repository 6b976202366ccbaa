// When the server ends the claiming connection, a new connection takes over the run's claims; a claim that
// committed but whose answer was lost with the connection is handed out then, not left claimed for ever.
import { createPool } from '@prepkit/db-cursors';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { describe, expect, it } from 'vitest';
import { prepareTarget } from '../src/prepare-target.js';
import { RowClaims } from '../src/row-claims.js';
import { inspectTarget } from '../src/target-table.js';
import { query } from './helpers.js';

const db = useTestDatabase();

describe('RowClaims', () => {
  it('takes over its claims on a new connection and hands out a claim whose answer was lost', async () => {
    await query(db.url, 'CREATE TABLE docs (id bigint PRIMARY KEY, content text)');
    await query(db.url, "INSERT INTO docs SELECT i, 'text ' || i FROM generate_series(1, 100) i");
    const pool = createPool(db.url, { max: 2 });
    const client = await pool.connect();
    const target = await prepareTarget(client, await inspectTarget(client, { table: 'docs' }), 'real[]', 4);
    client.release();
    const claims = new RowClaims(pool, target, {
      fetchSize: 10,
      retryErrors: false,
      runStartedAt: new Date(),
    });
    const windows = claims.windows();
    const handedOut: string[] = [];
    const next = async (): Promise<readonly string[]> => {
      const step = await windows.next();
      const ids = step.done === true ? [] : step.value.ids;
      handedOut.push(...ids);
      return ids;
    };
    try {
      expect(await next()).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
      const [owner] = await query<{ pid: number }>(
        db.url,
        'SELECT DISTINCT owner_pid AS pid FROM docs_embedding_claims',
      );
      // As a claim of ids 50-55 would leave it had it committed just before the server ended the connection.
      await query(
        db.url,
        `INSERT INTO docs_embedding_claims (id, owner_pid, owner_started)
         SELECT i, $1, (SELECT backend_start FROM pg_stat_activity WHERE pid = $1) FROM generate_series(50, 55) i`,
        [owner!.pid],
      );
      await query(db.url, 'SELECT pg_terminate_backend($1)', [owner!.pid]);
      expect(await next()).toEqual(['50', '51', '52', '53', '54', '55']);
      expect(claims.reconnects).toBe(1);
      // Every claim is the new connection's now: none is released as a dead run's.
      await claims.releaseStale();
      const held = await query<{ n: string; owners: string }>(
        db.url,
        'SELECT count(*) AS n, count(DISTINCT owner_pid) AS owners FROM docs_embedding_claims',
      );
      expect(held).toEqual([{ n: '16', owners: '1' }]);
      expect((await next())[0]).toBe('56');
      // The rest of the table, each row once.
      for await (const window of windows) handedOut.push(...window.ids);
      expect(handedOut).toHaveLength(100);
      expect(new Set(handedOut).size).toBe(100);
    } finally {
      await windows.return(undefined);
      await claims.releaseOwn();
      claims.close();
      await pool.end();
    }
  });
});
