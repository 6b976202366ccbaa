// Guards against faults around `discord-dataset prepare` costing the user an earlier output or giving a stack
// trace: SIGINT/SIGTERM exit 130 with nothing half-written left; the server ending the tool's connections
// mid-read (each strategy) is retried and the output is the same; a wrong password or a closed port is one line;
// a full disk or a read-only directory is one line naming the path, with the temporaries removed and an earlier
// complete output left as it was (sha256, manifest included); a file where a directory belongs, or the
// reverse, is one line; hostile values reach PostgreSQL as parameters only; no password is ever printed.
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, readdir, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { Prng } from '@prepkit/bench-harness';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { readManifest, verify } from '@prepkit/record-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToDatabase, initDatabase, prepareDiscordDataset } from '../../src/index.js';
import type { PrepareOptions, Strategy } from '../../src/index.js';
import { sql, tempDir, withPassword } from '../helpers.js';
import { OUTPUT_FILES, SPLIT_FILES, cli, cliUntil, digests, hiddenNames, libraryUntil } from './runs.js';

const root = process.getuid?.() === 0;
const db = useTestDatabase();
let dir: string;
let reference: Record<string, string>;
/** A complete output of another seed: what a failed --overwrite run must leave as it was. */
let previous: string;
const mounts: string[] = [];

function options(output: string, extra: Partial<PrepareOptions> = {}): PrepareOptions {
  return {
    db: db.url,
    train: join(output, 'train.jsonl'),
    valid: join(output, 'valid.jsonl'),
    threads: 1,
    ...extra,
  };
}

function prepareArgs(output: string, ...extra: string[]): string[] {
  return ['prepare', '--db', db.url, join(output, 'train.jsonl'), join(output, 'valid.jsonl'), ...extra];
}

/** Ends the connections the tool opened (application_name prepkit) on the test database. */
async function terminateToolConnections(): Promise<number> {
  const rows = await sql<{ n: number }>(
    db.url,
    `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = 'prepkit' AND pid <> pg_backend_pid()`,
  );
  return rows[0]!.n;
}

/** The earlier output copied to `output`, and what it holds (files and manifest). */
async function earlierOutput(output: string): Promise<Record<string, string>> {
  await cp(previous, output, { recursive: true });
  return digests(output, OUTPUT_FILES);
}

beforeAll(async () => {
  dir = await tempDir('discord-dataset-prepare-faults-');
  await initDatabase(db.url);
  await generateToDatabase({ db: db.url, messages: 3000, channels: 3, seed: 'faults' });
  const output = join(dir, 'reference');
  await prepareDiscordDataset(options(output));
  reference = await digests(output, SPLIT_FILES);
  previous = join(dir, 'previous');
  await prepareDiscordDataset(options(previous, { seed: 'earlier' }));
});
afterAll(() => {
  for (const mount of mounts.reverse()) execFileSync('umount', [mount]);
});

describe('discord-dataset prepare', () => {
  it.each([
    ['SIGINT', 'into a fresh directory'],
    ['SIGTERM', 'into a fresh directory'],
    ['SIGINT', 'over an earlier output (--overwrite)'],
    ['SIGTERM', 'over an earlier output (--overwrite)'],
  ] as const)(
    '[signal] %s as the files are being written, %s: exit 130, nothing half-written left',
    async (signal, where) => {
      const output = join(dir, `${signal}-${where.startsWith('into') ? 'fresh' : 'earlier'}`);
      const earlier = where.startsWith('into') ? undefined : await earlierOutput(output);
      if (earlier === undefined) await mkdir(output);
      const end = await cliUntil(
        prepareArgs(output, '--overwrite', '--batch-size', '5'),
        output,
        { file: /^\.train\.jsonl\.tmp-/ },
        (child) => child.kill(signal),
      );
      expect(end.reached).toBe(true);
      expect(end.code).toBe(130);
      expect(end.stderr).toContain('discord-dataset: interrupted; no output was left behind');
      expect(await hiddenNames(output)).toEqual([]);
      if (earlier === undefined) expect(await readdir(output)).toEqual([]);
      else {
        expect(await digests(output, OUTPUT_FILES)).toEqual(earlier);
        expect((await verify(output)).ok).toBe(true);
      }
    },
  );

  // naive at several seeded points of its thousands of statements: the process once died there of an
  // unhandled 'error' event of its checked-out client (2 runs in 14).
  const rng = new Prng('discord-dataset prepare terminate');
  const reads: [Strategy, string, number][] = [
    ...Array.from({ length: 4 }, (): [Strategy, string, number] => {
      const line = 1 + Math.floor(rng.next() * 2900);
      return ['naive', `after ${line} messages`, line];
    }),
    ['cte', 'its one statement waiting on a lock', 0],
    ['copy', 'its one statement waiting on a lock', 0],
  ];
  it.each(reads)(
    '[db] pg_terminate_backend on its connections mid-read (%s, %s): retried, the same bytes',
    async (strategy, _where, line) => {
      const output = join(dir, `terminated-${strategy}-${line}`);
      await mkdir(output);
      // cte and copy read in one statement: a lock held here keeps it in flight until its backend is ended.
      const lock = new pg.Client({ connectionString: db.url });
      await lock.connect();
      let terminated = 0;
      try {
        if (strategy !== 'naive') await lock.query('BEGIN; LOCK TABLE messages IN ACCESS EXCLUSIVE MODE');
        const end = await libraryUntil(
          'prepare',
          options(output, { strategy }),
          output,
          strategy === 'naive'
            ? { phase: 'load:', line }
            : {
                when: async () =>
                  (
                    await sql<{ n: number }>(
                      db.url,
                      `SELECT count(*)::int AS n FROM pg_stat_activity
                        WHERE datname = current_database() AND application_name = 'prepkit' AND wait_event_type = 'Lock'`,
                    )
                  )[0]!.n > 0,
              },
          async () => {
            terminated = await terminateToolConnections();
            if (strategy !== 'naive') await lock.query('COMMIT');
          },
        );
        expect(end.reached).toBe(true);
        expect(terminated).toBeGreaterThan(0);
        expect({ code: end.code, stderr: end.stderr }).toEqual({ code: 0, stderr: '' });
      } finally {
        await lock.end();
      }
      expect(await digests(output, SPLIT_FILES)).toEqual(reference);
      expect((await verify(output)).ok).toBe(true);
      // The read that started over counts its messages once.
      const { phases } = await readManifest(output);
      expect(phases.find((p) => p.name === 'load')?.items).toBe(3000);
    },
  );

  it('[db] the server ends its connections again and again: after the retries, exit 2 with one line', async () => {
    const output = join(dir, 'terminated-always');
    await mkdir(output);
    let ended = false;
    const end = await cliUntil(
      prepareArgs(output, '--strategy', 'naive', '-q'),
      output,
      {
        when: async () =>
          (
            await sql<{ n: number }>(
              db.url,
              `SELECT count(*)::int AS n FROM pg_stat_activity
                WHERE datname = current_database() AND application_name = 'prepkit'`,
            )
          )[0]!.n > 0,
      },
      async (child) => {
        child.on('exit', () => (ended = true));
        while (!ended) {
          await terminateToolConnections();
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      },
    );
    expect(end.reached).toBe(true);
    expect(end.code, end.stderr).toBe(2);
    // Wherever the terminations land (connecting, checking the schema, reading), one line, no stack.
    expect(end.stderr).toMatch(/^discord-dataset: prepare[^\n]*\n$/);
    expect(await readdir(output)).toEqual([]);
  });

  it('[db] a wrong password: exit 2, one line, the password not printed, nothing written', async () => {
    const output = join(dir, 'wrong-password');
    const end = await cli([
      'prepare',
      '--db',
      withPassword(db.url, 'Wr0ng-pass-4-prepare'),
      join(output, 'train.jsonl'),
      join(output, 'valid.jsonl'),
    ]);
    expect(end.code).toBe(2);
    expect(end.stderr).toMatch(
      /^discord-dataset: prepare: cannot connect to postgresql:\/\/[^:]+:\*\*\*@.*password authentication failed[^\n]*\n$/,
    );
    expect(`${end.stdout}${end.stderr}`).not.toContain('Wr0ng-pass-4-prepare');
    await expect(readdir(output)).rejects.toThrow(/ENOENT/);
  });

  it('[db] a closed port on 127.0.0.1: the run ends, exit 2, one line', async () => {
    const end = await cli([
      'prepare',
      '--db',
      'postgresql://u:closed-port-pw@127.0.0.1:1/db',
      join(dir, 'closed', 'train.jsonl'),
      join(dir, 'closed', 'valid.jsonl'),
    ]);
    expect(end.code).toBe(2);
    expect(end.stderr).toBe(
      'discord-dataset: prepare: cannot connect to postgresql://u:***@127.0.0.1:1/db: connect ECONNREFUSED 127.0.0.1:1\n',
    );
  });

  it('[db] a read-only database: prepare only reads, so it succeeds with the same bytes', async () => {
    const output = join(dir, 'read-only-db');
    const name = new URL(db.url).pathname.slice(1);
    await sql(db.url, `ALTER DATABASE "${name}" SET default_transaction_read_only = on`);
    try {
      expect((await cli(prepareArgs(output, '-q'))).code).toBe(0);
    } finally {
      await sql(
        db.url,
        `BEGIN READ WRITE; ALTER DATABASE "${name}" RESET default_transaction_read_only; COMMIT`,
      );
    }
    expect(await digests(output, SPLIT_FILES)).toEqual(reference);
  });

  it.skipIf(!root)(
    '[disk] a full disk (2 MiB tmpfs): exit 2 naming the file, no temporary left, the earlier output as it was',
    async () => {
      const mount = join(dir, 'tmpfs');
      await mkdir(mount);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mount]);
      mounts.push(mount);
      const output = join(mount, 'out');
      const earlier = await earlierOutput(output);
      // Leave less room than the new train.jsonl needs.
      const { bavail, bsize } = await statfs(mount);
      const trainBytes = (await readFile(join(previous, 'train.jsonl'))).length;
      await writeFile(
        join(mount, 'filler'),
        Buffer.alloc(Math.max(0, bavail * bsize - Math.floor(trainBytes / 2))),
      );
      const end = await cli(prepareArgs(output, '--overwrite'));
      expect(end.code).toBe(2);
      expect(end.stderr).toMatch(
        new RegExp(`^discord-dataset: ${escape(output)}/(train|valid)\\.jsonl: no space left on device\\n$`),
      );
      expect(await hiddenNames(output)).toEqual([]);
      expect(await digests(output, OUTPUT_FILES)).toEqual(earlier);
      expect((await verify(output)).ok).toBe(true);
    },
  );

  it.skipIf(!root)(
    '[disk] a read-only output directory: exit 2 naming it, the earlier output as it was',
    async () => {
      const writable = join(dir, 'rw');
      const output = join(dir, 'ro');
      const earlier = await earlierOutput(writable);
      await mkdir(output);
      execFileSync('mount', ['--bind', writable, output]);
      mounts.push(output);
      execFileSync('mount', ['-o', 'remount,bind,ro', output]);
      const end = await cli(prepareArgs(output, '--overwrite'));
      expect(end.code).toBe(2);
      expect(end.stderr).toBe(`discord-dataset: ${output}: read-only file system\n`);
      expect(await digests(output, OUTPUT_FILES)).toEqual(earlier);
    },
  );

  it('[disk] a file where the output directory belongs: exit 2, one line naming it', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a directory');
    const end = await cli(prepareArgs(file));
    expect(end.code).toBe(2);
    expect(end.stderr).toBe(`discord-dataset: ${file}: a file stands where a directory is needed\n`);
  });

  it('[disk] a directory where train.jsonl belongs: exit 2, one line naming it, nothing else left', async () => {
    const output = join(dir, 'dir-as-file');
    await mkdir(join(output, 'train.jsonl'), { recursive: true });
    const end = await cli(prepareArgs(output));
    expect(end.code).toBe(2);
    expect(end.stderr).toBe(`discord-dataset: ${join(output, 'train.jsonl')}: is a directory, not a file\n`);
    expect(await readdir(output)).toEqual(['train.jsonl']);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
