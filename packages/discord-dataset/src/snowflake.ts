/** The largest id a PostgreSQL `bigint` holds; Discord snowflakes fit, a longer digit string does not. */
export const MAX_SNOWFLAKE = 9_223_372_036_854_775_807n;

/**
 * A Discord id as the database stores it: decimal digits, at most int64's maximum. Checked before a
 * value reaches PostgreSQL, which would refuse it half-way through a batch ("out of range for type bigint").
 */
export function isSnowflake(value: unknown): boolean {
  return typeof value === 'string' && /^\d{1,19}$/.test(value) && BigInt(value) <= MAX_SNOWFLAKE;
}
