import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ConnectionError, describeFailure, isTransientError, withRetry } from '../src/index.js';
import { freePort, startEmbeddedPostgres } from '../src/testing/index.js';

describe('isTransientError', () => {
  it('counts a refused connection as transient, also once describeFailure has wrapped it (its code in sqlState)', async () => {
    const client = new pg.Client({ connectionString: `postgresql://x@127.0.0.1:${await freePort()}/x` });
    const refused = await client.connect().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isTransientError(refused)).toBe(true);
    const wrapped = describeFailure('copyOut', refused);
    expect(wrapped).toBeInstanceOf(ConnectionError);
    expect(isTransientError(wrapped)).toBe(true);
  });

  it('counts an error that wraps a transient one (its cause) as transient, and a wrapped wrong password as not', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(isTransientError(new Error('cannot open the job queue', { cause: refused }))).toBe(true);
    const password = Object.assign(new Error('password authentication failed'), { code: '28P01' });
    expect(isTransientError(new Error('cannot open the job queue', { cause: password }))).toBe(false);
  });

  it("describeFailure makes a lost connection a ConnectionError (exit 2), also pg's codeless 'Connection terminated'", () => {
    const codeless = new Error('Connection terminated unexpectedly');
    expect(describeFailure('checking table "messages"', codeless)).toMatchObject({
      kind: 'connection',
      message: 'checking table "messages": the connection was lost: Connection terminated unexpectedly',
    });
    const terminated = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    });
    expect(describeFailure('read', terminated)).toBeInstanceOf(ConnectionError);
    expect(
      describeFailure('read', Object.assign(new Error('syntax error'), { code: '42601' })),
    ).toMatchObject({
      kind: 'internal',
    });
  });

  it('withRetry rides out a server restart: the refused reconnects are retried until it is back', async () => {
    const server = await startEmbeddedPostgres();
    try {
      const restarted = server.restart();
      const value = await withRetry(
        async () => {
          const client = new pg.Client({ connectionString: server.url });
          try {
            await client.connect();
            return (await client.query<{ n: number }>('SELECT 1 AS n')).rows[0]!.n;
          } catch (error) {
            throw describeFailure('select', error);
          } finally {
            await client.end().catch(() => undefined);
          }
        },
        { retries: 20, baseDelayMs: 50, maxDelayMs: 500 },
      );
      await restarted;
      expect(value).toBe(1);
    } finally {
      await server.stop();
    }
  });
});
