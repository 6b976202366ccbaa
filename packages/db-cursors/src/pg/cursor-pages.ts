import type pg from 'pg';

import { assertPositiveInteger } from '@prepkit/bench-harness/errors';
import { checkOut, describeFailure } from './connection.js';
import type { PgPoolLike } from './connection.js';
import { int8Types } from './int8.js';
import type { Int8Mode } from './int8.js';

export interface CursorPagesOptions {
  params?: readonly unknown[];
  /** Rows per FETCH. Default: 10,000. */
  fetchSize?: number;
  int8?: Int8Mode;
  signal?: AbortSignal;
}

/**
 * Reads any query's result through a server-side cursor (`DECLARE … NO SCROLL CURSOR` and
 * `FETCH n` in one read-only transaction): constant memory for a result of any size, one
 * connection held throughout. A broken connection ends the read with an error; use
 * `keysetPages` where a read must survive reconnects.
 */
export async function* cursorPages<Row extends pg.QueryResultRow = Record<string, unknown>>(
  pool: PgPoolLike,
  query: string,
  options: CursorPagesOptions = {},
): AsyncGenerator<Row[]> {
  const fetchSize = options.fetchSize ?? 10_000;
  assertPositiveInteger('fetchSize', fetchSize);
  const types = int8Types(options.int8 ?? 'string');
  let lease: Awaited<ReturnType<typeof checkOut>> | undefined;
  let ok = false;
  try {
    lease = await checkOut(pool);
    const client = lease.client;
    await client.query('BEGIN READ ONLY');
    await client.query({
      text: `DECLARE prepkit_cursor NO SCROLL CURSOR FOR ${query}`,
      values: [...(options.params ?? [])],
    });
    for (;;) {
      options.signal?.throwIfAborted();
      const { rows } = await client.query<Row>({ text: `FETCH ${fetchSize} FROM prepkit_cursor`, types });
      if (rows.length === 0) break;
      yield rows;
      if (rows.length < fetchSize) break;
    }
    await client.query('COMMIT');
    ok = true;
  } catch (error) {
    options.signal?.throwIfAborted();
    throw describeFailure('cursorPages', error);
  } finally {
    if (lease !== undefined) {
      if (!ok) await lease.client.query('ROLLBACK').catch(() => undefined);
      lease.release(!ok);
    }
  }
}
