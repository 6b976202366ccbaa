import type pg from 'pg';
import { quoteIdentifier, quoteTable } from '@prepkit/db-cursors';
import type { TableName } from '@prepkit/db-cursors';
import { EmbeddingsInputError } from './errors.js';

/** Where the texts are and where their vectors go. */
export interface TargetNames {
  /** `name` or `schema.name`. */
  table: string;
  /** Default: `id`. */
  idColumn?: string;
  /** Default: `content`. */
  textColumn?: string;
  /** Default: `embedding`. */
  vectorColumn?: string;
}

/** The columns a table is assumed to have when `TargetNames` leaves them out. */
export const DEFAULT_TARGET_NAMES = Object.freeze({
  idColumn: 'id',
  textColumn: 'content',
  vectorColumn: 'embedding',
});

/** How the vectors are stored: `real[]`, or pgvector's `vector(n)`. */
export type VectorType = 'real[]' | 'vector';

/** The target table, checked against the database, with quoted names for SQL. */
export interface TargetTable {
  readonly table: TableName;
  readonly label: string;
  readonly errorsLabel: string;
  readonly q: {
    readonly table: string;
    readonly id: string;
    readonly text: string;
    readonly vector: string;
    readonly errors: string;
    readonly claims: string;
  };
  /** The id column's SQL type, from `format_type` (e.g. `bigint`). */
  readonly idType: string;
  readonly vectorType: VectorType | undefined;
}

/** Splits `schema.name` (one dot at most; quote nothing: names are quoted for SQL here). */
export function parseTableName(table: string): TableName {
  const parts = table.split('.');
  if (parts.length === 1 && parts[0] !== '') return parts[0]!;
  if (parts.length === 2 && parts[0] !== '' && parts[1] !== '') return { schema: parts[0]!, name: parts[1]! };
  throw new EmbeddingsInputError(
    `--table must be a table name or schema.table (got ${JSON.stringify(table)})`,
  );
}

/**
 * Finds the table and its columns (a missing one is a one-line error naming it), and reads the id
 * column's type and the vector column's type when it exists.
 */
export async function inspectTarget(client: pg.ClientBase, names: TargetNames): Promise<TargetTable> {
  const table = parseTableName(names.table);
  const idColumn = names.idColumn ?? DEFAULT_TARGET_NAMES.idColumn;
  const textColumn = names.textColumn ?? DEFAULT_TARGET_NAMES.textColumn;
  const vectorColumn = names.vectorColumn ?? DEFAULT_TARGET_NAMES.vectorColumn;
  const qualified = quoteTable(table);
  const found = await client.query<{ oid: string | null; schema: string | null; name: string | null }>(
    `SELECT c.oid::text AS oid, n.nspname AS schema, c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = to_regclass($1)`,
    [qualified],
  );
  const row = found.rows[0];
  if (row?.oid == null) throw new EmbeddingsInputError(`table ${names.table} does not exist`);
  const columns = await client.query<{ name: string; type: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type
       FROM pg_attribute WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped`,
    [row.oid],
  );
  const types = new Map(columns.rows.map((c) => [c.name, c.type]));
  for (const [flag, column] of [
    ['--id-col', idColumn],
    ['--text-col', textColumn],
  ] as const) {
    if (!types.has(column)) {
      throw new EmbeddingsInputError(
        `table ${names.table} has no column ${column} (${flag}; columns: ${[...types.keys()].join(', ')})`,
      );
    }
  }
  const vectorSqlType = types.get(vectorColumn);
  let vectorType: VectorType | undefined;
  if (vectorSqlType !== undefined) {
    if (vectorSqlType === 'real[]') vectorType = 'real[]';
    else if (vectorSqlType.startsWith('vector')) vectorType = 'vector';
    else {
      throw new EmbeddingsInputError(
        `column ${names.table}.${vectorColumn} is ${vectorSqlType}; the vector column must be real[] or vector(n)`,
      );
    }
  }
  const schema = row.schema!;
  const base = row.name!;
  const errors = `${base}_embedding_errors`;
  const claims = `${base}_embedding_claims`;
  return {
    table: { schema, name: base },
    label: `${schema}.${base}`,
    errorsLabel: `${schema}.${errors}`,
    q: {
      table: quoteTable({ schema, name: base }),
      id: quoteIdentifier(idColumn),
      text: quoteIdentifier(textColumn),
      vector: quoteIdentifier(vectorColumn),
      errors: quoteTable({ schema, name: errors }),
      claims: quoteTable({ schema, name: claims }),
    },
    idType: types.get(idColumn)!,
    vectorType,
  };
}

/**
 * Creates what a run needs: the vector column when missing (`real[]`, or `vector(dim)` when asked for
 * and pgvector is installed), the errors table (`<table>_embedding_errors`: id, reason, detail,
 * attempts, failed_at) and the claims table (`<table>_embedding_claims`: which live connection is
 * embedding which row), and an index for the pending-rows scan.
 */
export async function prepareTarget(
  client: pg.ClientBase,
  target: TargetTable,
  wanted: VectorType,
  dim: number,
): Promise<TargetTable> {
  const { q, idType } = target;
  let vectorType = target.vectorType;
  const { schema, name } = target.table as { schema: string; name: string };
  // Two runs starting together would race on IF NOT EXISTS (it is not atomic): one at a time.
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`prepkit-embeddings:${target.label}`]);
    if (vectorType === undefined) {
      if (wanted === 'vector') {
        const ext = await client.query("SELECT 1 FROM pg_extension WHERE extname = 'vector'");
        if (ext.rowCount === 0) {
          throw new EmbeddingsInputError(
            '--vector-type vector needs the pgvector extension (CREATE EXTENSION vector), or use real[]',
          );
        }
      }
      const type = wanted === 'vector' ? `vector(${dim})` : 'real[]';
      await client.query(`ALTER TABLE ${q.table} ADD COLUMN IF NOT EXISTS ${q.vector} ${type}`);
      vectorType = wanted;
    }
    // idType comes from format_type() of the catalog, not from the user.
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${q.errors} (
         id ${idType} PRIMARY KEY,
         reason text NOT NULL,
         detail text,
         attempts integer NOT NULL DEFAULT 1,
         failed_at timestamptz NOT NULL DEFAULT now())`,
    );
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${q.claims} (
         id ${idType} PRIMARY KEY,
         owner_pid integer NOT NULL,
         owner_started timestamptz,
         claimed_at timestamptz NOT NULL DEFAULT now())`,
    );
    // The pending rows in key order: each claim reads only rows still to do, whatever the planner
    // thinks of the table's statistics (without it, a plan flip to a sorted sequential scan after
    // autovacuum's ANALYZE made claims read the whole table each time).
    await client.query(
      `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${name}_embedding_pending_idx`)}
         ON ${quoteTable({ schema, name })} (${q.id}) WHERE ${q.vector} IS NULL`,
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return { ...target, vectorType };
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
