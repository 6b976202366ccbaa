import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { throwIfAborted } from '@prepkit/bench-harness/errors';
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
 * claim whose connection is gone (a killed run) is released. The claiming connection is this
 * object's `client`, held for the whole run.
 */
export class RowClaims {
  readonly #client: pg.ClientBase;
  readonly #target: TargetTable;
  readonly #options: RowClaimsOptions;
  readonly #claimSql: { first: string; next: string };
  /** Milliseconds spent in claim queries. */
  fetchMs = 0;

  constructor(client: pg.ClientBase, target: TargetTable, options: RowClaimsOptions) {
    this.#client = client;
    this.#target = target;
    this.#options = options;
    this.#claimSql = { first: this.#claimQuery(false), next: this.#claimQuery(true) };
  }

  /** Rows pending (no vector, not errored or retried) and not held by any live run. */
  async unclaimedPending(): Promise<number> {
    const { q } = this.#target;
    const { rows } = await this.#client.query<{ n: string }>(
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
    const { rows } = await this.#client.query<{ n: string }>(
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
    const result = await this.#client.query(
      `DELETE FROM ${q.claims} c WHERE NOT EXISTS (
         SELECT 1 FROM pg_stat_activity a
          WHERE a.pid = c.owner_pid AND (a.backend_start IS NULL OR c.owner_started IS NULL
                                         OR a.backend_start = c.owner_started))`,
    );
    return result.rowCount ?? 0;
  }

  /** Deletes this run's claims (at its end: the rows are written by then). */
  async releaseOwn(): Promise<void> {
    await this.#client.query(`DELETE FROM ${this.#target.q.claims} WHERE owner_pid = pg_backend_pid()`);
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
    // The claimed rows, then one row with the page's last candidate key (null when none was left).
    const { rows } = await this.#client.query<{ id: string | null; text: string | null; is_last: boolean }>(
      after === undefined ? this.#claimSql.first : this.#claimSql.next,
      params,
    );
    this.fetchMs += performance.now() - started;
    const ids: string[] = [];
    const texts: (string | null)[] = [];
    let last: string | undefined;
    for (const row of rows) {
      if (row.is_last) last = row.id ?? undefined;
      else {
        ids.push(row.id!);
        texts.push(row.text);
      }
    }
    return { ids, texts, last };
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
      (SELECT t.${q.id}::text AS id, t.${q.text} AS text, false AS is_last
         FROM claimed k JOIN ${q.table} t ON t.${q.id} = k.id ORDER BY t.${q.id})
      UNION ALL
      -- Not max(id): there is no max(uuid).
      (SELECT (SELECT id::text FROM candidates ORDER BY id DESC LIMIT 1), NULL, true)`;
  }
}
