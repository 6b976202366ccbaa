import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { describe, expect, it } from 'vitest';
import { QueueOpenError, openQueue, queueSupported } from '../src/index.js';

const db = useTestDatabase();

describe.skipIf(!queueSupported())('openQueue (skipped: pg-boss needs Node 22.12+)', () => {
  it('names a wrong password as an authentication error, without the password', async () => {
    const url = new URL(db.url);
    url.password = 'not-the-password-4711';
    const error = await openQueue(url.toString()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(QueueOpenError);
    expect((error as QueueOpenError).kind).toBe('authentication');
    const message = (error as Error).message;
    expect(message).toMatch(/^cannot open the job queue at postgresql:\/\/postgres@127\.0\.0\.1:\d+\/\S+: /);
    expect(message).not.toContain('not-the-password-4711');
    expect(message).not.toContain('\n');
  });

  it('names a server that is not there as a connection error', async () => {
    const url = new URL(db.url);
    url.port = '1';
    const error = await openQueue(url.toString()).catch((caught: unknown) => caught);
    expect((error as QueueOpenError).kind).toBe('connection');
    expect((error as Error).message).not.toContain(new URL(db.url).password);
  });

  it('opens twice on one database (the run tables are created once) and closes', async () => {
    const [a, b] = await Promise.all([
      openQueue(db.url, { schema: 'twice' }),
      openQueue(db.url, { schema: 'twice' }),
    ]);
    await a.close();
    await b.close();
  });
});
