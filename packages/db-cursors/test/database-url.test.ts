import { describe, expect, it } from 'vitest';
import { checkDatabaseUrl } from '../src/index.js';

describe('checkDatabaseUrl', () => {
  it('passes a PostgreSQL URL through', () => {
    expect(checkDatabaseUrl('postgresql://me:pw@db:5432/x')).toBe('postgresql://me:pw@db:5432/x');
    expect(checkDatabaseUrl('postgres://db/x')).toBe('postgres://db/x');
  });

  it('names what is wrong without repeating the URL, which may hold a password', () => {
    expect(() => checkDatabaseUrl('postgresql://me:s3cret@db:notaport/x')).toThrow(
      /^the database URL is not a valid URL \(expected postgresql:\/\/user@host:port\/database\)$/,
    );
    expect(() => checkDatabaseUrl('mysql://me:s3cret@db/x')).toThrow(/starts with mysql:\/\//);
    try {
      checkDatabaseUrl('postgresql://me:s3cret@db:notaport/x');
    } catch (error) {
      expect(String(error)).not.toContain('s3cret');
      expect(error).toMatchObject({ kind: 'config', code: 'PREPKIT_INVALID_OPTION' });
    }
  });
});
