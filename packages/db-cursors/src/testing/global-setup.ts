// Vitest globalSetup: one PostgreSQL for the whole run, its URL handed to test files via `provide`.
// Use it in vitest.config.ts: `globalSetup: ['@prepkit/db-cursors/testing/global-setup']`.
import type { TestProject } from 'vitest/node';
import { startTestPostgres } from './test-postgres.js';
import { PROVIDED_URL_KEY } from './provided-context.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startTestPostgres();
  const where = new URL(server.url);
  process.stderr.write(`[prepkit] PostgreSQL for tests: ${server.source} server at ${where.host}\n`);
  project.provide(PROVIDED_URL_KEY, server.url);
  return () => server.stop();
}
