import type pg from 'pg';
import { createPool, describeFailure, passwordOf } from '@prepkit/db-cursors';
import { PrepkitError } from '@prepkit/bench-harness/errors';

/**
 * Runs `work` on the one connection of a pool opened for it, then closes the pool. Failures other
 * than prepkit's own errors come back described as `label` failures, the password redacted.
 */
export async function withOneConnection<T>(
  db: string,
  label: string,
  applicationName: string,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const pool = createPool(db, { max: 1, applicationName });
  try {
    const client = await pool.connect();
    try {
      return await work(client);
    } finally {
      client.release();
    }
  } catch (error) {
    if (error instanceof PrepkitError) throw error;
    throw describeFailure(label, error, [passwordOf(db)]);
  } finally {
    await pool.end();
  }
}
