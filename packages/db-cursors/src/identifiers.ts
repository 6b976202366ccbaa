/**
 * Quotes one SQL identifier for PostgreSQL and DuckDB: `odd "name"` → `"odd ""name"""`.
 * Every table and column name a caller passes goes through here; values are always parameters.
 */
export function quoteIdentifier(name: string): string {
  if (name.length === 0) throw new TypeError('an SQL identifier cannot be empty');
  if (name.includes('\0')) throw new TypeError('an SQL identifier cannot contain a NUL character');
  return `"${name.replace(/"/g, '""')}"`;
}
