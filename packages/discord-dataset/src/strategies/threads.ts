import type pg from 'pg';
import { copyOut, cursorPages } from '@prepkit/db-cursors';
import { MessageTableBuilder } from '../message-table.js';
import type { MessageTable } from '../message-table.js';
import type { LoadContext, LoadStats } from './load-context.js';
import type { ReadQuery } from './read-query.js';

/**
 * Some threads rather than the whole selection: those whose root's id falls in shard `index` of `count`
 * (record-io's `shardOf` of the id's decimal text, computed by PostgreSQL), or those of the given roots;
 * plus messages fetched by id, the members of reply-cycle components (no root without a parent leads to them).
 */
export interface ThreadSelection {
  readonly shard?: { readonly index: number; readonly count: number };
  readonly roots?: readonly string[];
  readonly extra: readonly string[];
}

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
 * The messages of the selected threads, by one `COPY` of a recursive query: the walk starts at the chosen
 * roots (messages whose parent is not selected) and follows replies through the `referenced_message_id`
 * index, so a shard reads only its threads' messages. The same walk as the `cte` strategy, whatever
 * `--strategy` says.
 */
export async function loadThreads(
  context: LoadContext,
  threads: ThreadSelection,
): Promise<{ table: MessageTable; stats: LoadStats }> {
  const { query } = context;
  const params = [...query.params];
  const param = (value: unknown, type: string): string => {
    params.push(value);
    return `$${params.length}::${type}`;
  };
  const anchors: string[] = [];
  if (threads.shard !== undefined) {
    anchors.push(
      `${sqlShardOf('m.id', param(threads.shard.count, 'bigint'))} = ${param(threads.shard.index, 'bigint')}`,
    );
  }
  if (threads.roots !== undefined)
    anchors.push(`m.id = ANY(${param(bigintArray(threads.roots), 'bigint[]')})`);
  const extra = param(bigintArray(threads.extra), 'bigint[]');
  const sql = `
    WITH RECURSIVE chains (id) AS (
      SELECT m.id FROM messages m
       WHERE ${query.scope('m')} AND ${anchors.length === 0 ? 'TRUE' : anchors.join(' AND ')}
         AND (m.referenced_message_id IS NULL
              OR NOT EXISTS (SELECT 1 FROM messages p WHERE p.id = m.referenced_message_id AND ${query.scope('p')}))
      UNION ALL
      SELECT c.id
        FROM chains
        CROSS JOIN LATERAL (
          SELECT c.id FROM messages c
           WHERE c.referenced_message_id = chains.id AND ${query.scope('c')}
          OFFSET 0
        ) AS c
    )
    SELECT ${query.select('m')} FROM chains JOIN messages m ON m.id = chains.id
    UNION ALL
    SELECT ${query.select('m')} FROM messages m WHERE m.id = ANY(${extra}) AND ${query.scope('m')}`;
  const builder = new MessageTableBuilder(1 << 14);
  for await (const batch of copyOut(context.pool, sql, {
    params,
    batchSize: 32_768,
    ...(context.signal === undefined ? {} : { signal: context.signal }),
  })) {
    builder.appendBatch(batch);
    context.phase.advance(batch.length);
  }
  return { table: builder.finish(), stats: { queries: 1 } };
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
  const sql = `SELECT DISTINCT ON (m.author_id) m.author_id::text AS id,
         coalesce(m.author_nickname, m.author_name) AS name, ${query.assistant('m')}
    FROM messages m
   WHERE ${query.scope('m')} AND m.author_id = ANY($${k}::bigint[])
   ORDER BY m.author_id, m.id DESC`;
  for await (const rows of cursorPages<{ id: string; name: string | null }>(pool, sql, {
    params: [...query.params, bigintArray(authors)],
    fetchSize: 10_000,
    ...(signal === undefined ? {} : { signal }),
  })) {
    for (const row of rows) names.set(row.id, row.name ?? '');
  }
  return names;
}
