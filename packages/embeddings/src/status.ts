import { createPool, describeFailure, passwordOf } from '@prepkit/db-cursors';
import { EmbeddingsError } from './errors.js';
import { inspectTarget, tableStatus } from './target-table.js';
import type { TableStatus, TargetNames } from './target-table.js';

export interface StatusOptions extends TargetNames {
  db: string;
}

/**
 * Embedded, pending and errored rows of a table (and pending rows claimed by a running run).
 *
 * @example
 * const { embedded, pending, errored } = await embeddingStatus({ db: url, table: 'docs' });
 */
export async function embeddingStatus(options: StatusOptions): Promise<TableStatus> {
  const pool = createPool(options.db, { max: 1, applicationName: 'prepkit-embeddings' });
  try {
    const client = await pool.connect();
    try {
      return await tableStatus(client, await inspectTarget(client, options));
    } finally {
      client.release();
    }
  } catch (error) {
    if (error instanceof EmbeddingsError) throw error;
    throw describeFailure(`embeddings status (${options.table})`, error, [passwordOf(options.db)]);
  } finally {
    await pool.end();
  }
}
