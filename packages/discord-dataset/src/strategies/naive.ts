import type pg from 'pg';
import { describeFailure, isTransientError } from '@prepkit/db-cursors';
import { throwIfAborted } from '@prepkit/bench-harness/errors';
import { MessageTableBuilder } from '../message-table.js';
import type { MessageRow, MessageTable } from '../message-table.js';
import type { LoadContext, LoadStats } from './load-context.js';

/**
 * `naive`: the original's N+1 queries, kept as the baseline the others are measured against
 * (docs/originals.md, discord-dataset): one query lists the thread roots,
 * then `SELECT … WHERE id = $1` fetches each root and `SELECT … WHERE referenced_message_id = $1`
 * the replies of each message, one round trip at a time. Messages no root leads to (reply cycles)
 * are listed by one more query and fetched by id, so that the result is the same as the others'.
 */
export async function loadNaively(context: LoadContext): Promise<{ table: MessageTable; stats: LoadStats }> {
  const { query, signal } = context;
  const builder = new MessageTableBuilder();
  const client = await context.pool.connect();
  // A backend ended by the server (pg_terminate_backend, a restart) makes pg emit 'error' on the
  // checked-out client, fatal without a listener; the query in flight rejects with it anyway.
  const ignore = (): void => {};
  client.on('error', ignore);
  let broken = false;
  let queries = 0;
  const run = async <Row extends pg.QueryResultRow>(
    sql: string,
    params: readonly unknown[],
  ): Promise<Row[]> => {
    throwIfAborted(signal, 'prepare');
    queries++;
    try {
      return (await client.query<Row>(sql, [...params])).rows;
    } catch (error) {
      broken = true;
      // A lost connection keeps its code, so that the caller's retry recognises it.
      throw isTransientError(error) ? error : describeFailure('prepare (naive)', error);
    }
  };
  try {
    const next = `$${query.params.length + 1}::bigint`;
    const byIdSql = `SELECT ${query.select('m')} FROM messages m WHERE m.id = ${next} AND ${query.scope('m')}`;
    const repliesSql = `SELECT ${query.select('m')} FROM messages m WHERE m.referenced_message_id = ${next} AND ${query.scope('m')}`;
    const seen = new Set<string>();
    const pending: string[] = [];
    const take = (row: MessageRow): void => {
      builder.appendRow(row);
      seen.add(row.id);
      pending.push(row.id);
      context.phase.advance(1);
    };
    const fetchById = async (id: string): Promise<void> => {
      for (const row of await run<MessageRow>(byIdSql, [...query.params, id])) take(row);
    };
    const roots = await run<{ id: string }>(
      `SELECT ${query.selectIds('m')} FROM messages m
        WHERE ${query.scope('m')}
          AND (m.referenced_message_id IS NULL
               OR NOT EXISTS (SELECT 1 FROM messages p WHERE p.id = m.referenced_message_id AND ${query.scope('p')}))`,
      query.params,
    );
    const walk = async (): Promise<void> => {
      while (pending.length > 0) {
        for (const row of await run<MessageRow>(repliesSql, [...query.params, pending.pop()!])) take(row);
      }
    };
    for (const { id } of roots) {
      await fetchById(id);
      await walk();
    }
    // What no root leads to: members of reply cycles and the threads hanging off them.
    const all = await run<{ id: string }>(
      `SELECT ${query.selectIds('m')} FROM messages m WHERE ${query.scope('m')}`,
      query.params,
    );
    for (const { id } of all) {
      if (seen.has(id)) continue;
      await fetchById(id);
      pending.length = 0; // a cycle member's replies are in the cycle's component, fetched here too
    }
  } finally {
    client.removeListener('error', ignore);
    client.release(broken);
  }
  return { table: builder.finish(), stats: { queries } };
}
