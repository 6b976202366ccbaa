import type pg from 'pg';
import { copyOut, cursorPages } from '@prepkit/db-cursors';
import { shardOf } from '@prepkit/record-io';
import { MessageTableBuilder } from '../message-table.js';
import type { MessageTable } from '../message-table.js';
import { ReplyThreads, readReplyThreads } from '../reply-threads.js';
import type { ReplyThreadsSource } from '../reply-threads.js';
import type { LoadContext, LoadStats } from './load-context.js';
import type { ReadQuery } from './read-query.js';

/**
 * Some threads rather than the whole selection: those whose root's id falls in shard `index` of `count`
 * (record-io's `shardOf` of the id's decimal text), or the messages of the given ids (the plan's look at a
 * few threads, whose ids it knows from `ReplyThreads`).
 */
export type ThreadSelection =
  | {
      readonly shard: { readonly index: number; readonly count: number };
      readonly replyThreads?: ReplyThreadsSource;
    }
  | { readonly ids: readonly string[] };

/**
 * record-io's `shardOf(id, count)` in PostgreSQL, for a bigint id expression: the first 8 hex digits of the
 * md5 of its decimal text, as an unsigned 32-bit integer, modulo `count`. `id::text` is the same decimal
 * string that the JavaScript side hashes (`BigInt#toString()`: no sign, no leading zeros).
 */
export function sqlShardOf(idExpression: string, count: string): string {
  return `(('x' || substr(md5(${idExpression}::text), 1, 8))::bit(32)::bigint % ${count})`;
}

/** A PostgreSQL bigint[] literal for a parameter. */
function bigintArray(ids: readonly string[]): string {
  return `{${ids.join(',')}}`;
}

/**
 * The messages of the selected threads, by one `COPY` that scans the table once. For a shard: its threads'
 * replies by id (one hashed array lookup per row), found in memory from the reply pairs (`ReplyThreads`),
 * and the roots that hash to it (messages whose parent is not selected) — single-message threads included,
 * so that the shards' counts add up to the whole selection's.
 */
export async function loadThreads(
  context: LoadContext,
  threads: ThreadSelection,
): Promise<{ table: MessageTable; stats: LoadStats }> {
  const { query, pool, signal } = context;
  const params = [...query.params];
  const param = (value: unknown, type: string): string => {
    params.push(value);
    return `$${params.length}::${type}`;
  };
  let wanted: string;
  if ('shard' in threads) {
    const { index, count } = threads.shard;
    const source = threads.replyThreads ?? readReplyThreads;
    const replies = (await source(() => replyThreadsOf(pool, query, signal))).replies(
      (root) => shardOf(root, count) === index,
    );
    wanted = `m.id = ANY(${param(bigintArray(replies), 'bigint[]')})
       OR (${sqlShardOf('m.id', param(count, 'bigint'))} = ${param(index, 'bigint')}
           AND (m.referenced_message_id IS NULL
                OR NOT EXISTS (SELECT 1 FROM messages p WHERE p.id = m.referenced_message_id AND ${query.scope('p')})))`;
  } else wanted = `m.id = ANY(${param(bigintArray(threads.ids), 'bigint[]')})`;
  const sql = `SELECT ${query.select('m')} FROM messages m WHERE ${query.scope('m')} AND (${wanted})`;
  const builder = new MessageTableBuilder(1 << 14);
  for await (const batch of copyOut(pool, sql, {
    params,
    batchSize: 32_768,
    ...(signal === undefined ? {} : { signal }),
  })) {
    builder.appendBatch(batch);
    context.phase.advance(batch.length);
  }
  return { table: builder.finish(), stats: { queries: 'shard' in threads ? 2 : 1 } };
}

/** The selection's reply threads, from one read of its reply pairs. */
export async function replyThreadsOf(
  pool: pg.Pool,
  query: ReadQuery,
  signal: AbortSignal | undefined,
): Promise<ReplyThreads> {
  const pairs = await readReplyPairs(pool, query, signal);
  return ReplyThreads.fromPairs(pairs.ids, pairs.parentIds);
}

/**
 * Every selected reply whose parent is selected too, as (id, parent) pairs: what the plan of a sharded run
 * finds the threads with replies and the reply-cycle components from, without reading any text.
 */
export async function readReplyPairs(
  pool: pg.Pool,
  query: ReadQuery,
  signal: AbortSignal | undefined,
): Promise<{ ids: BigInt64Array; parentIds: BigInt64Array }> {
  const sql = `SELECT m.id, m.referenced_message_id AS parent_id, ${query.assistant('m')}
    FROM messages m
   WHERE ${query.scope('m')} AND m.referenced_message_id IS NOT NULL
     AND EXISTS (SELECT 1 FROM messages p WHERE p.id = m.referenced_message_id AND ${query.scope('p')})`;
  let ids = new BigInt64Array(1 << 14);
  let parentIds = new BigInt64Array(1 << 14);
  let length = 0;
  for await (const batch of copyOut(pool, sql, {
    params: query.params,
    batchSize: 65_536,
    ...(signal === undefined ? {} : { signal }),
  })) {
    if (length + batch.length > ids.length) {
      const grown = Math.max(ids.length * 2, length + batch.length);
      const a = new BigInt64Array(grown);
      a.set(ids.subarray(0, length));
      const b = new BigInt64Array(grown);
      b.set(parentIds.subarray(0, length));
      ids = a;
      parentIds = b;
    }
    ids.set((batch.column('id').values as BigInt64Array).subarray(0, batch.length), length);
    parentIds.set((batch.column('parent_id').values as BigInt64Array).subarray(0, batch.length), length);
    length += batch.length;
  }
  return { ids: ids.subarray(0, length), parentIds: parentIds.subarray(0, length) };
}

/**
 * The latest name (nickname, else account name, on their highest id in the selection) of each of `authors`:
 * what a mention the message's own list does not name falls back to, as the whole-selection run computes it.
 */
export async function latestNames(
  pool: pg.Pool,
  query: ReadQuery,
  authors: readonly string[],
  signal: AbortSignal | undefined,
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (authors.length === 0) return names;
  const k = query.params.length + 1;
  // Each author's highest id by a hash aggregate, then that row by primary key: `DISTINCT ON … ORDER BY` sorted
  // every matching row, on disk past work_mem (400K messages, 2,667 authors: 95 ms against 524 ms).
  const sql = `SELECT m.author_id::text AS id, coalesce(m.author_nickname, m.author_name) AS name,
         ${query.assistant('m')}
    FROM (SELECT m.author_id, max(m.id) AS id FROM messages m
           WHERE ${query.scope('m')} AND m.author_id = ANY($${k}::bigint[])
           GROUP BY m.author_id) latest
    JOIN messages m ON m.id = latest.id`;
  for await (const rows of cursorPages<{ id: string; name: string | null }>(pool, sql, {
    params: [...query.params, bigintArray(authors)],
    fetchSize: 10_000,
    ...(signal === undefined ? {} : { signal }),
  })) {
    for (const row of rows) names.set(row.id, row.name ?? '');
  }
  return names;
}
