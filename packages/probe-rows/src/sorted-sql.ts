import { quoteIdentifier } from '@prepkit/db-cursors';
import type { InputSchema } from './input-schema.js';

/** `SELECT` list in record column order (the key first). */
export function selectList(schema: InputSchema): string {
  return schema.columns.map((c) => quoteIdentifier(c.name)).join(', ');
}

/**
 * The total order of rows: key, then the order column, then every other column, so that ties in
 * time still come out the same way in every mode and run.
 */
export function orderList(schema: InputSchema): string {
  const rest = schema.columns
    .filter((c) => c.name !== schema.groupBy && c.name !== schema.orderBy)
    .map((c) => c.name);
  return [schema.groupBy, schema.orderBy, ...rest]
    .map((name) => `${quoteIdentifier(name)} ASC NULLS LAST`)
    .join(', ');
}
