/**
 * Quotes one SQL identifier for PostgreSQL and DuckDB: `odd "name"` → `"odd ""name"""`.
 * Every table and column name a caller passes goes through here; values are always parameters.
 */
export function quoteIdentifier(name: string): string {
  if (name.length === 0) throw new TypeError('an SQL identifier cannot be empty');
  if (name.includes('\0')) throw new TypeError('an SQL identifier cannot contain a NUL character');
  return `"${name.replace(/"/g, '""')}"`;
}

/** A table name, optionally schema-qualified. A plain string is one identifier, never parsed for dots. */
export type TableName = string | { readonly schema: string; readonly name: string };

/** `{ schema: 'app', name: 'Messages' }` → `"app"."Messages"`. */
export function quoteTable(table: TableName): string {
  return typeof table === 'string'
    ? quoteIdentifier(table)
    : `${quoteIdentifier(table.schema)}.${quoteIdentifier(table.name)}`;
}

/** For messages: the table as a person would write it, unquoted. */
export function describeTable(table: TableName): string {
  return typeof table === 'string' ? table : `${table.schema}.${table.name}`;
}
