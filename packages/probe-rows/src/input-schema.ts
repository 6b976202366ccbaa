import type { DuckDB } from '@prepkit/db-cursors';
import type { ColumnKind, ColumnSpec } from './columns.js';
import { inputReadError } from './build-failure.js';
import { duckdbErrorType } from './duckdb.js';
import { ProbeRowsInputError } from './errors.js';

const KIND_BY_DUCKDB_TYPE: Record<string, ColumnKind> = {
  BOOLEAN: 'bool',
  SMALLINT: 'int16',
  INTEGER: 'int32',
  BIGINT: 'int64',
  FLOAT: 'float32',
  DOUBLE: 'float64',
  VARCHAR: 'utf8',
  TIMESTAMP: 'timestamp',
  'TIMESTAMP WITH TIME ZONE': 'timestamp',
};

export interface InputSchema {
  /** Every column, the group key first, then the others in input order. */
  readonly columns: readonly ColumnSpec[];
  readonly groupBy: string;
  readonly orderBy: string;
}

/** The SQL source of the input: every Parquet file matching the glob(s), as one relation. */
export function inputRelation(globs: readonly string[]): { sql: string; params: string[] } {
  return { sql: `read_parquet([${globs.map((_, i) => `$${i + 1}`).join(', ')}])`, params: [...globs] };
}

/**
 * Reads the input's columns and checks that probe-rows can carry them: the group and order columns
 * exist, and every type maps to an Arrow type (other types get an error naming the column).
 */
export async function describeInput(
  db: DuckDB,
  globs: readonly string[],
  groupBy: string,
  orderBy: string,
): Promise<InputSchema> {
  const { sql, params } = inputRelation(globs);
  let rows;
  try {
    rows = await db.rows(`DESCRIBE SELECT * FROM ${sql}`, params);
  } catch (error) {
    // Only a file DuckDB cannot find or read as Parquet is the input's fault; running out of
    // memory, say, is reported as what it is by the caller.
    const type = duckdbErrorType(error);
    if (type !== 'IO' && type !== 'Invalid Input') throw error;
    throw inputReadError(error, globs);
  }
  const specs = rows.map((row) => {
    const name = String(row.column_name);
    const type = String(row.column_type);
    const kind = KIND_BY_DUCKDB_TYPE[type];
    if (kind === undefined) {
      throw new ProbeRowsInputError(
        `column "${name}" has type ${type}, which probe-rows cannot carry into Arrow records ` +
          `(supported: ${Object.keys(KIND_BY_DUCKDB_TYPE).join(', ')}); convert it in the input first`,
      );
    }
    return type === 'TIMESTAMP WITH TIME ZONE'
      ? { name, kind, timezone: 'UTC' }
      : kind === 'timestamp'
        ? { name, kind, timezone: null }
        : { name, kind };
  });
  const names = specs.map((s) => s.name);
  for (const [flag, column] of [
    ['--group-by', groupBy],
    ['--order-by', orderBy],
  ] as const) {
    if (!names.includes(column)) {
      throw new ProbeRowsInputError(
        `${flag} column "${column}" is not in the input (columns: ${names.join(', ')})`,
      );
    }
  }
  if (groupBy === orderBy)
    throw new ProbeRowsInputError('--group-by and --order-by must name different columns');
  const key = specs.find((s) => s.name === groupBy)!;
  if (key.kind === 'bool' || key.kind === 'float32' || key.kind === 'float64') {
    throw new ProbeRowsInputError(
      `--group-by column "${groupBy}" has type ${key.kind}; use an integer, text or timestamp key`,
    );
  }
  return { columns: [key, ...specs.filter((s) => s.name !== groupBy)], groupBy, orderBy };
}
