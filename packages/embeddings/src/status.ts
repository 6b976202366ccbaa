import { checkDatabaseUrl } from './database-url.js';
import { withOneConnection } from './one-connection.js';
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
export function embeddingStatus(options: StatusOptions): Promise<TableStatus> {
  return withOneConnection(
    checkDatabaseUrl(options.db),
    `embeddings status (${options.table})`,
    'prepkit-embeddings',
    async (client) => tableStatus(client, await inspectTarget(client, options)),
  );
}
