import pg from 'pg';

/** How PostgreSQL bigint (int8) values reach JavaScript: never as a lossy `number`. */
export type Int8Mode = 'string' | 'bigint';

const INT8_OID = 20;
const INT8_ARRAY_OID = 1016;

const defaultParser = pg.types.getTypeParser as (
  oid: number,
  format?: 'text' | 'binary',
) => (value: string) => unknown;

const bigintTypes = {
  getTypeParser(oid: number, format?: string): (value: string) => unknown {
    if (oid === INT8_OID) return (value) => BigInt(value);
    if (oid === INT8_ARRAY_OID) {
      const parseArray = defaultParser(oid) as (value: string) => (string | null)[];
      return (value) => parseArray(value).map((v) => (v === null ? null : BigInt(v)));
    }
    return defaultParser(oid, format as 'text' | 'binary');
  },
};

/** The per-query `types` option of node-postgres for an int8 mode. */
export function int8Types(mode: Int8Mode): typeof pg.types | typeof bigintTypes {
  return mode === 'bigint' ? bigintTypes : pg.types;
}
