import type pg from 'pg';
import { createPool, describeFailure, passwordOf } from '@prepkit/db-cursors';
import { PrepkitError } from '@prepkit/bench-harness/errors';
import { isConnectionLost, retryOnConnectionLoss } from '@prepkit/db-cursors';

/**
 * Runs `work` on the one connection of a pool opened for it, then closes the pool. With `retry` (work that
 * only reads), a connection the server ends is replaced and `work` runs again. Failures other than
 * prepkit's own errors come back described as `label` failures, the password redacted.
 */
export async function withOneConnection<T>(
  db: string,
  label: string,
  applicationName: string,
  work: (client: pg.PoolClient) => Promise<T>,
  options: { retry?: boolean } = {},
): Promise<T> {
  const pool = createPool(db, { max: 1, applicationName, connectionTimeoutMillis: 30_000 });
  const once = async (): Promise<T> => {
    const client = await pool.connect();
    let lost = false;
    const onError = (): void => {
      lost = true;
    };
    client.on('error', onError);
    try {
      return await work(client);
    } catch (error) {
      lost ||= isConnectionLost(error);
      throw error;
    } finally {
      client.removeListener('error', onError);
      client.release(lost ? true : undefined);
    }
  };
  try {
    return await (options.retry === true ? retryOnConnectionLoss(once, { what: label }) : once());
  } catch (error) {
    if (error instanceof PrepkitError) throw error;
    throw describeFailure(label, error, [passwordOf(db)]);
  } finally {
    await pool.end();
  }
}
