import { cursorPages } from '@prepkit/db-cursors';
import { MessageTableBuilder } from '../message-table.js';
import type { MessageRow, MessageTable } from '../message-table.js';
import type { LoadContext, LoadStats } from './load-context.js';

/**
 * `cte`: the optimised original. One recursive CTE walks every thread down from its roots (messages
 * whose parent is not selected); the same statement appends the selected messages the walk cannot
 * reach, which are exactly those in reply cycles, so that cycles are broken the same way as in the
 * other strategies. Rows arrive through a server-side cursor.
 *
 * The recursive step looks replies up through the `referenced_message_id` index, one probe per
 * message of the previous level: `OFFSET 0` keeps PostgreSQL from flattening the LATERAL subquery
 * into a hash join, which would scan the whole table once per level (minutes for a chain 10,000 deep).
 */
export async function loadWithCte(context: LoadContext): Promise<{ table: MessageTable; stats: LoadStats }> {
  const { query } = context;
  const sql = `
    WITH RECURSIVE chains (id, root_id, depth) AS (
      SELECT m.id, m.id, 0
        FROM messages m
       WHERE ${query.scope('m')}
         AND (m.referenced_message_id IS NULL
              OR NOT EXISTS (SELECT 1 FROM messages p WHERE p.id = m.referenced_message_id AND ${query.scope('p')}))
      UNION ALL
      SELECT c.id, chains.root_id, chains.depth + 1
        FROM chains
        CROSS JOIN LATERAL (
          SELECT c.id FROM messages c
           WHERE c.referenced_message_id = chains.id AND ${query.scope('c')}
          OFFSET 0
        ) AS c
    )
    SELECT ${query.select('m')} FROM chains JOIN messages m ON m.id = chains.id
    UNION ALL
    SELECT ${query.select('m')} FROM messages m
     WHERE ${query.scope('m')} AND NOT EXISTS (SELECT 1 FROM chains WHERE chains.id = m.id)`;
  const builder = new MessageTableBuilder(1 << 16);
  for await (const rows of cursorPages<MessageRow & Record<string, unknown>>(context.pool, sql, {
    params: query.params,
    fetchSize: 10_000,
    ...(context.signal === undefined ? {} : { signal: context.signal }),
  })) {
    for (const row of rows) builder.appendRow(row);
    context.phase.advance(rows.length);
  }
  return { table: builder.finish(), stats: { queries: 1 } };
}
