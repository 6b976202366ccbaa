import { afterAll, beforeAll, inject } from 'vitest';
import { TestDatabaseError } from '../errors.js';
import { PROVIDED_URL_KEY } from './provided-context.js';
import { createTestDatabase } from './test-postgres.js';
import type { TestDatabase } from './test-postgres.js';

/**
 * Gives the calling test file a fresh database of its own on the run's test PostgreSQL,
 * created before its tests and dropped after them. Read `url` inside tests or hooks.
 *
 * @example
 * const db = useTestDatabase();
 * it('reads rows', async () => { const client = new pg.Client(db.url); … });
 */
export function useTestDatabase(): { readonly url: string } {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    const serverUrl = inject(PROVIDED_URL_KEY);
    if (serverUrl === undefined) {
      throw new TestDatabaseError(
        "no test PostgreSQL: add globalSetup: ['@prepkit/db-cursors/testing/global-setup'] to vitest.config.ts",
      );
    }
    database = await createTestDatabase(serverUrl);
  });
  afterAll(async () => {
    await database?.drop();
  });
  return {
    get url(): string {
      if (database === undefined)
        throw new TestDatabaseError('useTestDatabase().url is ready only inside tests and hooks');
      return database.url;
    },
  };
}
