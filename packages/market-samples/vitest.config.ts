import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds start worker threads and DuckDB; the shared 2-core CI machine can be slow.
    testTimeout: 60_000,
  },
});
