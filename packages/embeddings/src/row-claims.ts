import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { throwIfAborted } from '@prepkit/bench-harness/errors';
import { isConnectionLost, retryOnConnectionLoss } from '@prepkit/db-cursors';
import type { TargetTable } from './target-table.js';

/** Rows one claim hands out: ids (as text) and texts, in id order. */
export interface ClaimedWindow {
  readonly ids: readonly string[];
  readonly texts: readonly (string | null)[];
}

export interface RowClaimsOptions {
  /** Rows per claim. */
  fetchSize: number;
  /** Also take rows recorded in the errors table before this run began. */
  retryErrors: boolean;
  /** The server's `now()` when the run began: errors recorded since are not retried again. */
  runStartedAt: Date;
  /** How long to wait between looks at rows other live runs hold. Default: 200 ms. */
  pollMs?: number;
  signal?: AbortSignal;
}

/**
 * Hands out the rows still without a vector, in keyset pages, to one run among any number running
 * at once. A claim is a row in `<table>_embedding_claims` inserted with `ON CONFLICT DO NOTHING`,
 * so two runs never get the same row; it names the claiming connection (pid and start time), and a
 * claim whose connection is gone (a killed run) is released. The claiming connection is held for the
 * whole run; when the server ends it, a new one takes over this run's claims (see `#reconnect`) and the
 * statement is run again: every statement here is a read or a claim, safe to repeat.
 */
export class RowClaims {
  readonly #pool: pg.Pool;
  readonly #target: TargetTable;
  readonly #options: RowClaimsOptions;
  readonly #claimSql: { first: string; next: string };
  #connection: { client: pg.PoolClient; pid: number; started: string | null } | undefined;
  /** The server ended the claiming connection: the next statement takes a new one. */
  #lost = false;
  /** `claimed_at` of the last claim whose rows this run received, as text (microseconds; a Date has ms). */
  #lastClaimAt = '-infinity';
  /** Milliseconds spent in claim queries. */
  fetchMs = 0;
  /** The server's now() when the run began. */
  get runStartedAt(): Date {
    return this.#options.runStartedAt;
  }
  /** Times the server ended the claiming connection and a new one took over. */
  reconnects = 0;

  constructor(pool: pg.Pool, target: TargetTable, options: RowClaimsOptions) {
    this.#pool = pool;
    this.#target = target;
    this.#options = options;
    this.#claimSql = { first: this.#claimQuery(false), next: this.#claimQuery(true) };
  }

  /** Rows pending (no vector, not errored or retried) and not held by any live run. */
  async unclaimedPending(): Promise<number> {
    const { q } = this.#target;
    const { rows } = await this.#query<{ n: string }>(
      `SELECT count(*) AS n FROM ${q.table} t WHERE ${this.#pendingCondition(1)}
          AND (SELECT true FROM ${q.claims} c WHERE c.id = t.${q.id}) IS NULL`,
      [this.#options.runStartedAt],
    );
    return Number(rows[0]!.n);
  }

  /** Pending rows held by other runs that are still connected. */
  async heldByOthers(): Promise<number> {
    const { q } = this.#target;
    // Rows that failed are not waited for: their claims stay until their run ends.
    const { rows } = await this.#query<{ n: string }>(
      `SELECT count(*) AS n FROM ${q.claims} c
        WHERE c.owner_pid <> pg_backend_pid()
          AND (SELECT true FROM ${q.table} t WHERE t.${q.id} = c.id AND ${this.#pendingCondition(1)}) IS NOT NULL`,
      [this.#options.runStartedAt],
    );
    return Number(rows[0]!.n);
  }

  /** Deletes the claims of connections that no longer exist (runs that were killed or failed). */
  async releaseStale(): Promise<number> {
    const { q } = this.#target;
    const result = await this.#query(
      `DELETE FROM ${q.claims} c WHERE NOT EXISTS (
         SELECT 1 FROM pg_stat_activity a
          WHERE a.pid = c.owner_pid AND (a.backend_start IS NULL OR c.owner_started IS NULL
                                         OR a.backend_start = c.owner_started))`,
    );
    return result.rowCount ?? 0;
  }

  /** Deletes this run's claims (at its end: the rows are written by then). */
  async releaseOwn(): Promise<void> {
    await this.#query(`DELETE FROM ${this.#target.q.claims} WHERE owner_pid = pg_backend_pid()`);
  }

  /**
   * Claims windows of pending rows until none is left: passes over the table in key order, and
   * after a pass looks again for rows released meanwhile (a killed run's) and waits while other live
   * runs hold pending rows, since one of them may still die. Ends when every pending row is either
   * claimed by this run or there are none.
   */
  async *windows(): AsyncGenerator<ClaimedWindow> {
    const { pollMs = 200, signal } = this.#options;
    for (;;) {
      await this.releaseStale();
      let after: string | undefined;
      let claimedInPass = 0;
      for (;;) {
        throwIfAborted(signal, 'embeddings run');
        const page = await this.#claim(after);
        if (page.last === undefined) break;
        after = page.last;
        if (page.ids.length > 0) {
          claimedInPass += page.ids.length;
          yield page;
        }
      }
      if (claimedInPass > 0) continue;
      if ((await this.unclaimedPending()) > 0) continue;
      if ((await this.heldByOthers()) === 0) return;
      await sleep(pollMs, undefined, signal === undefined ? {} : { signal });
    }
  }

  async #claim(after: string | undefined): Promise<ClaimedWindow & { last: string | undefined }> {
    const started = performance.now();
    const params: unknown[] = [this.#options.fetchSize, this.#options.runStartedAt];
    if (after !== undefined) params.push(after);
    const reconnectsBefore = this.reconnects;
    type Row = { id: string | null; text: string | null; is_last: boolean; at: string };
    const rows = await this.#retry('claiming rows', async (client): Promise<Row[]> => {
      // A claim whose answer was lost with the connection may have committed: its rows are this run's
      // (taken over by the new connection) and newer than the last claim it received. Hand those out
      // instead of claiming again, or they would stay claimed and never be embedded.
      if (this.reconnects !== reconnectsBefore) {
        const lost = await client.query<Row>(this.#lostClaimQuery(), [this.#lastClaimAt]);
        if (lost.rows.length > 1) return lost.rows;
      }
      const result = await client.query<Row>(
        after === undefined ? this.#claimSql.first : this.#claimSql.next,
        params,
      );
      return result.rows;
    });
    this.fetchMs += performance.now() - started;
    const ids: string[] = [];
    const texts: (string | null)[] = [];
    let last: string | undefined;
    for (const row of rows) {
      if (row.is_last) {
        last = row.id ?? undefined;
        this.#lastClaimAt = row.at;
      } else {
        ids.push(row.id!);
        texts.push(row.text);
      }
    }
    return { ids, texts, last };
  }

  /** Runs one statement on the claiming connection, again on a new one if the server ended it. */
  async #query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    return this.#retry('reading the pending rows', (client) => client.query<R>(sql, params));
  }

  async #retry<T>(what: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const { signal } = this.#options;
    return retryOnConnectionLoss(
      async () => {
        const client = await this.#client();
        try {
          return await work(client);
        } catch (error) {
          if (isConnectionLost(error)) this.#lost = true;
          throw error;
        }
      },
      {
        what: `embeddings run (${this.#target.label}): ${what}`,
        ...(signal === undefined ? {} : { signal }),
      },
    );
  }

  /** The claiming connection; a new one (taking over the claims of the last) when the server ended it. */
  async #client(): Promise<pg.PoolClient> {
    const current = this.#connection;
    if (current !== undefined && !this.#lost) return current.client;
    const client = await this.#pool.connect();
    client.on('error', () => {
      if (this.#connection?.client === client) this.#lost = true;
    });
    try {
      const me = await client.query<{ pid: number; started: string | null }>(
        'SELECT pid, backend_start::text AS started FROM pg_stat_activity WHERE pid = pg_backend_pid()',
      );
      const { pid, started } = me.rows[0]!;
      if (current !== undefined) {
        // Before anything releases the claims of dead connections: the old connection's are still this run's.
        await client.query(
          `UPDATE ${this.#target.q.claims} SET owner_pid = $1, owner_started = $2::timestamptz
            WHERE owner_pid = $3 AND owner_started IS NOT DISTINCT FROM $4::timestamptz`,
          [pid, started, current.pid, current.started],
        );
        current.client.release(true);
        this.reconnects++;
      }
      this.#connection = { client, pid, started };
      this.#lost = false;
      return client;
    } catch (error) {
      client.release(true);
      throw error;
    }
  }

  /** Gives the claiming connection back (`releaseOwn` first, to release the claims it holds). */
  close(): void {
    this.#connection?.client.release(this.#lost ? true : undefined);
    this.#connection = undefined;
  }

  #lostClaimQuery(): string {
    const { q } = this.#target;
    // Same shape as a claim's answer: the rows, then the last key and the claim's time.
    return `
      (SELECT t.${q.id}::text AS id, t.${q.text} AS text, false AS is_last, c.claimed_at::text AS at
         FROM ${q.claims} c JOIN ${q.table} t ON t.${q.id} = c.id
        WHERE c.owner_pid = pg_backend_pid() AND c.claimed_at > $1::timestamptz ORDER BY t.${q.id})
      UNION ALL
      (SELECT (SELECT c.id::text FROM ${q.claims} c WHERE c.owner_pid = pg_backend_pid() AND c.claimed_at > $1::timestamptz
                ORDER BY c.id DESC LIMIT 1),
              NULL, true, (SELECT max(c.claimed_at)::text FROM ${q.claims} c WHERE c.owner_pid = pg_backend_pid()))`;
  }

  #pendingCondition(startedParam: number): string {
    const { q } = this.#target;
    const errored = this.#options.retryErrors
      ? `e.id = t.${q.id} AND e.failed_at >= $${startedParam}::timestamptz`
      : `e.id = t.${q.id} AND $${startedParam}::timestamptz IS NOT NULL`;
    // Scalar subqueries, not NOT EXISTS, here and in the counts above: PostgreSQL turns NOT EXISTS
    // into an anti-join, which reads every pending row before LIMIT applies, and which it plans as a
    // nested loop over the whole claims table when its statistics (taken while the table was still
    // empty) say there are few rows — seconds per query at the end of a run. A subquery probes the
    // primary key row by row.
    return `t.${q.vector} IS NULL AND (SELECT true FROM ${q.errors} e WHERE ${errored}) IS NULL`;
  }

  #claimQuery(keyset: boolean): string {
    const { q } = this.#target;
    // $1 fetch size, $2 run start, $3 last key of the previous page.
    return `
      WITH candidates AS (
        SELECT t.${q.id} AS id FROM ${q.table} t
         WHERE ${this.#pendingCondition(2)}${keyset ? ` AND t.${q.id} > $3` : ''}
           AND (SELECT true FROM ${q.claims} c WHERE c.id = t.${q.id}) IS NULL
         ORDER BY t.${q.id} LIMIT $1
      ), claimed AS (
        INSERT INTO ${q.claims} (id, owner_pid, owner_started)
        SELECT id, pg_backend_pid(), (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid())
          FROM candidates ORDER BY id
        ON CONFLICT (id) DO NOTHING
        RETURNING id
      )
      (SELECT t.${q.id}::text AS id, t.${q.text} AS text, false AS is_last, now()::text AS at
         FROM claimed k JOIN ${q.table} t ON t.${q.id} = k.id ORDER BY t.${q.id})
      UNION ALL
      -- Not max(id): there is no max(uuid).
      (SELECT (SELECT id::text FROM candidates ORDER BY id DESC LIMIT 1), NULL, true, now()::text)`;
  }
}
