import { createHash } from 'node:crypto';
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
    readonly pendingIndex: string;
  };
  /** The id column's SQL type, from `format_type` (e.g. `bigint`). */
  readonly idType: string;
  readonly vectorType: VectorType | undefined;
}

/** Splits `schema.name` (one dot at most; quote nothing: names are quoted for SQL here). */
export function parseTableName(table: string): TableName {
  checkName('--table', table);
  const parts = table.split('.');
  if (parts.length === 1 && parts[0] !== '') return parts[0]!;
  if (parts.length === 2 && parts[0] !== '' && parts[1] !== '') return { schema: parts[0]!, name: parts[1]! };
  throw new EmbeddingsInputError(
    `--table must be a table name or schema.table (got ${JSON.stringify(table)})`,
  );
}

/** The names with their defaults, each checked (`--text-col` cannot be empty or hold a NUL character). */
export function resolveTargetNames(names: TargetNames): Required<TargetNames> {
  const resolved = {
    table: names.table,
    idColumn: names.idColumn ?? DEFAULT_TARGET_NAMES.idColumn,
    textColumn: names.textColumn ?? DEFAULT_TARGET_NAMES.textColumn,
    vectorColumn: names.vectorColumn ?? DEFAULT_TARGET_NAMES.vectorColumn,
  };
  parseTableName(resolved.table);
  checkName('--id-col', resolved.idColumn);
  checkName('--text-col', resolved.textColumn);
  checkName('--vector-col', resolved.vectorColumn);
  return resolved;
}

function checkName(flag: string, name: unknown): void {
  if (typeof name !== 'string' || name === '') throw new EmbeddingsInputError(`${flag} cannot be empty`);
  // PostgreSQL identifiers cannot hold NUL; quoteIdentifier would throw a TypeError (exit 1).
  if (name.includes('\0')) throw new EmbeddingsInputError(`${flag} ${show(name)} contains a NUL character`);
}

/** A name for a message: as is when plain, else JSON-quoted so quotes, spaces or newlines stay visible. */
export function show(name: string): string {
  return /^[\p{L}\p{N}_$.]+$/u.test(name) ? name : JSON.stringify(name);
}

// Types whose text form orders and round-trips exactly as the key does (keyset pages pass the last key as text).
const KEY_TYPES = new Set(['int2', 'int4', 'int8', 'numeric', 'uuid', 'text', 'varchar', 'bpchar', 'citext']);
const TEXT_TYPES = new Set(['text', 'varchar', 'bpchar', 'citext']);

interface ColumnInfo {
  readonly name: string;
  readonly num: number;
  /** As `format_type` writes it (e.g. `character varying(20)`). */
  readonly type: string;
  /** The type's name, or its base type's when it is a domain (e.g. `int8`). */
  readonly base: string;
  readonly notNull: boolean;
}

/**
 * Finds the table and its columns, and checks them before anything is changed: a missing table or
 * column, a key that is not unique and not null, or a column of the wrong type is a one-line error
 * naming the table, the column and the flag.
 */
export async function inspectTarget(client: pg.ClientBase, names: TargetNames): Promise<TargetTable> {
  const { idColumn, textColumn, vectorColumn } = resolveTargetNames(names);
  const table = parseTableName(names.table);
  const found = await client.query<{ oid: string | null; schema: string | null; name: string | null }>(
    `SELECT c.oid::text AS oid, n.nspname AS schema, c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = to_regclass($1)`,
    [quoteTable(table)],
  );
  const row = found.rows[0];
  if (row?.oid == null) throw new EmbeddingsInputError(await missingTable(client, names.table, table));
  const schema = row.schema!;
  const base = row.name!;
  const label = `${schema}.${base}`;
  const columns = await client.query<{
    name: string;
    num: number;
    type: string;
    base: string;
    not_null: boolean;
  }>(
    `SELECT a.attname AS name, a.attnum AS num, format_type(a.atttypid, a.atttypmod) AS type,
            b.typname AS base, a.attnotnull AS not_null
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
       JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
      WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [row.oid],
  );
  const byName = new Map<string, ColumnInfo>(
    columns.rows.map((c) => [c.name, { ...c, notNull: c.not_null }]),
  );
  const column = (flag: string, name: string): ColumnInfo => {
    const info = byName.get(name);
    if (info !== undefined) return info;
    throw new EmbeddingsInputError(
      `table ${show(label)} has no column ${show(name)} (${flag}; columns: ${[...byName.keys()].map(show).join(', ')})`,
    );
  };
  const id = column('--id-col', idColumn);
  const text = column('--text-col', textColumn);
  if (!KEY_TYPES.has(id.base)) {
    throw new EmbeddingsInputError(
      `column ${show(label)}.${show(idColumn)} is ${id.type}; --id-col must name an integer, numeric, uuid or text key`,
    );
  }
  if (!TEXT_TYPES.has(text.base)) {
    throw new EmbeddingsInputError(
      `column ${show(label)}.${show(textColumn)} is ${id === text ? 'the key' : text.type}; --text-col must name a text or varchar column`,
    );
  }
  await checkKey(client, row.oid, { schema, name: base }, label, id);
  const vectorSqlType = byName.get(vectorColumn)?.type;
  let vectorType: VectorType | undefined;
  if (vectorSqlType !== undefined) {
    if (vectorSqlType === 'real[]') vectorType = 'real[]';
    else if (vectorSqlType.startsWith('vector')) vectorType = 'vector';
    else {
      throw new EmbeddingsInputError(
        `column ${show(label)}.${show(vectorColumn)} is ${vectorSqlType}; --vector-col must name a real[] or vector(n) column, or one that does not exist yet`,
      );
    }
  }
  return {
    table: { schema, name: base },
    label,
    errorsLabel: `${schema}.${sideName(base, '_embedding_errors')}`,
    q: {
      table: quoteTable({ schema, name: base }),
      id: quoteIdentifier(idColumn),
      text: quoteIdentifier(textColumn),
      vector: quoteIdentifier(vectorColumn),
      errors: quoteTable({ schema, name: sideName(base, '_embedding_errors') }),
      claims: quoteTable({ schema, name: sideName(base, '_embedding_claims') }),
      pendingIndex: quoteIdentifier(sideName(base, '_embedding_pending_idx')),
    },
    idType: id.type,
    vectorType,
  };
}

/**
 * The key must name each row once: a single-column unique index without a condition (a PRIMARY KEY or
 * UNIQUE), and NOT NULL, or else a look at the rows finds no duplicate and no NULL. A duplicate key
 * would give one row the other's vector; a NULL one cannot be claimed.
 */
async function checkKey(
  client: pg.ClientBase,
  oid: string,
  table: TableName,
  label: string,
  id: ColumnInfo,
): Promise<void> {
  const where = `table ${show(label)}: --id-col ${show(id.name)}`;
  const advice = 'the key must be unique and not null (a PRIMARY KEY, or UNIQUE and NOT NULL)';
  const { rows } = await client.query<{ unique: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = $1::oid AND i.indisunique
                      AND i.indnkeyatts = 1 AND i.indkey[0] = $2 AND i.indpred IS NULL AND i.indexprs IS NULL) AS unique`,
    [oid, id.num],
  );
  const q = { table: quoteTable(table), id: quoteIdentifier(id.name) };
  if (!id.notNull) {
    const nulls = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${q.table} WHERE ${q.id} IS NULL`,
    );
    const n = Number(nulls.rows[0]!.n);
    if (n > 0) throw new EmbeddingsInputError(`${where} is NULL in ${n} row${n === 1 ? '' : 's'}; ${advice}`);
  }
  if (rows[0]!.unique) return;
  const dup = await client.query<{ id: string; n: string }>(
    `SELECT ${q.id}::text AS id, count(*) AS n FROM ${q.table} GROUP BY ${q.id} HAVING count(*) > 1 LIMIT 1`,
  );
  const d = dup.rows[0];
  if (d !== undefined)
    throw new EmbeddingsInputError(`${where} is not unique (${show(d.id)} is on ${d.n} rows); ${advice}`);
}

// PostgreSQL cuts names at 63 bytes: a long table's `_embedding_errors` and `_embedding_claims` would both
// be cut to the same name. Such a base is shortened, with a hash of the whole name to keep it unique.
const MAX_NAME_BYTES = 63;

/** `<table><suffix>`, or, when that is over 63 bytes, the table's name cut short + 8 hex digits of its hash. */
export function sideName(base: string, suffix: string): string {
  const whole = `${base}${suffix}`;
  if (Buffer.byteLength(whole) <= MAX_NAME_BYTES) return whole;
  const hash = `_${createHash('sha256').update(base).digest('hex').slice(0, 8)}`;
  let cut = '';
  for (const char of base) {
    if (Buffer.byteLength(cut + char + hash + suffix) > MAX_NAME_BYTES) break;
    cut += char;
  }
  return `${cut}${hash}${suffix}`;
}

/** Says the table does not exist, and which one was meant when only the letter case differs. */
async function missingTable(client: pg.ClientBase, given: string, table: TableName): Promise<string> {
  const folded =
    typeof table === 'string'
      ? table.toLowerCase()
      : { schema: table.schema.toLowerCase(), name: table.name.toLowerCase() };
  const { rows } = await client.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [
    quoteTable(folded),
  ]);
  // Unquoted names in SQL are folded to lower case; here a name is taken exactly as given.
  const hint =
    rows[0]!.found && given !== given.toLowerCase()
      ? ` (names are exact: did you mean ${show(given.toLowerCase())}?)`
      : '';
  return `table ${show(given)} does not exist${hint}`;
}
