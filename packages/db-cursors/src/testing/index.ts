export {
  TEST_DATABASE_URL_VARIABLE,
  TEST_PASSWORD_VARIABLE,
  createTestDatabase,
  freePort,
  startEmbeddedPostgres,
  startTestPostgres,
} from './test-postgres.js';
export type { TestDatabase, TestPostgres } from './test-postgres.js';
export { useTestDatabase } from './use-test-database.js';
