import { InvalidOptionError } from '@prepkit/bench-harness/errors';

/**
 * Checks that `url` is a PostgreSQL URL before it reaches pg, whose parser fails with a bare
 * "Invalid URL". The message never repeats the URL: it may hold a password.
 */
export function checkDatabaseUrl(url: unknown): string {
  const expected = 'expected postgresql://user@host:port/database';
  let protocol: string | undefined;
  try {
    protocol = typeof url === 'string' ? new URL(url).protocol : undefined;
  } catch {
    protocol = undefined;
  }
  if (protocol === undefined)
    throw new InvalidOptionError(`the database URL is not a valid URL (${expected})`);
  if (protocol !== 'postgresql:' && protocol !== 'postgres:')
    throw new InvalidOptionError(`the database URL starts with ${protocol}// (${expected})`);
  return url as string;
}
