import { checkDatabaseUrl } from '@prepkit/db-cursors';
import { withOneConnection } from './one-connection.js';
import type pg from 'pg';
import { inspectTarget } from './target-table.js';
import type { TargetNames, TargetTable } from './target-table.js';

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
    // Only reads: a connection the server ends is replaced and the counts are read again.
    { retry: true },
  );
}

/** Rows with a vector, without one (not errored), and errored. */
export interface TableStatus {
  readonly table: string;
  readonly total: number;
  readonly embedded: number;
  readonly pending: number;
  readonly errored: number;
  readonly claimed: number;
  /** Errors by reason. */
  readonly reasons: Readonly<Record<string, number>>;
}

/** Counts embedded, pending and errored rows (the side tables may not exist yet). */
export async function tableStatus(client: pg.ClientBase, target: TargetTable): Promise<TableStatus> {
  const { q } = target;
  const hasSide = await client.query<{ errors: boolean; claims: boolean }>(
    'SELECT to_regclass($1) IS NOT NULL AS errors, to_regclass($2) IS NOT NULL AS claims',
    [q.errors, q.claims],
  );
  const side = hasSide.rows[0]!;
  if (target.vectorType === undefined) {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${q.table}`);
    const total = Number(rows[0]!.n);
    return { table: target.label, total, embedded: 0, pending: total, errored: 0, claimed: 0, reasons: {} };
  }
  const errored = side.errors ? `EXISTS (SELECT 1 FROM ${q.errors} e WHERE e.id = t.${q.id})` : 'false';
  const { rows } = await client.query<{ total: string; embedded: string; errored: string }>(
    `SELECT count(*) AS total,
            count(*) FILTER (WHERE t.${q.vector} IS NOT NULL) AS embedded,
            count(*) FILTER (WHERE t.${q.vector} IS NULL AND ${errored}) AS errored
       FROM ${q.table} t`,
  );
  const counts = rows[0]!;
  let reasons: Record<string, number> = {};
  if (side.errors) {
    const r = await client.query<{ reason: string; n: string }>(
      `SELECT e.reason, count(*) AS n FROM ${q.errors} e JOIN ${q.table} t ON t.${q.id} = e.id
        WHERE t.${q.vector} IS NULL GROUP BY e.reason ORDER BY e.reason`,
    );
    reasons = Object.fromEntries(r.rows.map((x) => [x.reason, Number(x.n)]));
  }
  let claimed = 0;
  if (side.claims) {
    const c = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${q.claims} c JOIN ${q.table} t ON t.${q.id} = c.id
        WHERE t.${q.vector} IS NULL
          AND EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = c.owner_pid)`,
    );
    claimed = Number(c.rows[0]!.n);
  }
  const total = Number(counts.total);
  const embedded = Number(counts.embedded);
  const erroredCount = Number(counts.errored);
  return {
    table: target.label,
    total,
    embedded,
    pending: total - embedded - erroredCount,
    errored: erroredCount,
    claimed,
    reasons,
  };
}
