// The one vitest configuration of every package; a package's vitest.config.ts passes only what differs.
import { defineConfig, mergeConfig } from 'vitest/config';
import type { ViteUserConfig, ViteUserConfigFnObject } from 'vitest/config';
import { ReliabilityReporter } from './tools/reliability-reporter.js';

/**
 * Every test runs real threads, child processes, DuckDB or PostgreSQL on a CI machine that may have 2 cores shared
 * with other jobs, where a test that takes 6 s idle takes 15 s, and 60 s with a dozen busy processes beside it.
 * The limits are far above any test's normal run, so only a hang fails on time.
 */
const TEST_TIMEOUT_MS = 120_000;
/** Hooks start PostgreSQL servers and build fixtures, which wait longest on a loaded machine. */
const HOOK_TIMEOUT_MS = 240_000;
/** Stress tests kill and restart whole runs: some take 50 s on an idle 2-core machine. */
const STRESS_TEST_TIMEOUT_MS = 600_000;

/**
 * `vitest run` runs test/**, except test/stress/: kill, crash and long tests, which
 * `vitest run --mode stress` (the `test:stress` script) runs alone.
 */
export function prepkitTestConfig(overrides: ViteUserConfig = {}): ViteUserConfigFnObject {
  return defineConfig(({ mode }) => {
    const stress = mode === 'stress';
    const shared = defineConfig({
      test: {
        include: stress ? ['test/stress/**/*.test.ts'] : ['test/**/*.test.ts'],
        exclude: stress ? [] : ['test/stress/**'],
        testTimeout: stress ? STRESS_TEST_TIMEOUT_MS : TEST_TIMEOUT_MS,
        hookTimeout: HOOK_TIMEOUT_MS,
        // Stress runs also record their fault cases for docs/reliability.md (tools/reliability-report.mjs).
        ...(stress ? { reporters: ['default', new ReliabilityReporter()] } : {}),
      },
    });
    return mergeConfig(shared, overrides);
  });
}
