import { copyOut } from '@prepkit/db-cursors';
import { MessageTableBuilder } from '../message-table.js';
import type { MessageTable } from '../message-table.js';
import type { LoadContext, LoadStats } from './load-context.js';

/**
 * `copy`: one `COPY (SELECT …) TO STDOUT` of the needed columns, parsed straight into typed
 * arrays; the forest is then built in memory. The fastest way out of PostgreSQL.
 */
export async function loadWithCopy(context: LoadContext): Promise<{ table: MessageTable; stats: LoadStats }> {
  const { query } = context;
  const builder = new MessageTableBuilder(1 << 16);
  const sql = `SELECT ${query.select('m')} FROM messages m WHERE ${query.scope('m')}`;
  for await (const batch of copyOut(context.pool, sql, {
    params: query.params,
    batchSize: 32_768,
    ...(context.signal === undefined ? {} : { signal: context.signal }),
  })) {
    builder.appendBatch(batch);
    context.phase.advance(batch.length);
  }
  return { table: builder.finish(), stats: { queries: 1 } };
}
