import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The CLIs as a user runs them: each built bin in a child process, with a clean environment (no DATABASE_URL).

const PASSWORD = 'contract-Secret-9f2c';
const require = createRequire(import.meta.url);
const db = useTestDatabase();
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prepkit-cli-contract-'));
  // embeddings checks its table before its model: with the table there, the missing model is the problem.
  const client = new pg.Client(db.url);
  await client.connect();
  await client.query('CREATE TABLE texts (id bigint PRIMARY KEY, content text)');
  await client.end();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

async function binOf(cli: string): Promise<string> {
  const manifestPath = require.resolve(`@prepkit/${cli}/package.json`);
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { bin: Record<string, string> };
  return join(dirname(manifestPath), manifest.bin[cli]!);
}

async function run(cli: string, args: readonly string[]): Promise<Run> {
  const bin = await binOf(cli);
  const env = { ...process.env, DATABASE_URL: '', FORCE_COLOR: '0', NO_COLOR: '1' };
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env, cwd: dir }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A URL of the test server with the wrong password. */
function wrongPasswordUrl(): string {
  const url = new URL(db.url);
  url.password = PASSWORD;
  return url.href;
}

const BAD_URL = `postgresql://prepkit:${PASSWORD}@127.0.0.1:notaport/prepkit`;

interface CliCases {
  /** A command with its required options and one unknown flag. */
  readonly unknownFlag: () => readonly string[];
  /** A command whose input file or folder does not exist (`missing` in its name). */
  readonly missingInput: () => readonly string[];
  /** For the CLIs that reach PostgreSQL: a command run against `url`. */
  readonly withDatabase?: (url: string) => readonly string[];
  /** The CLIs with the cluster commands (submit, worker, status on a PostgreSQL job queue). */
  readonly cluster?: boolean;
}

const CLIS: Record<string, CliCases> = {
  'discord-dataset': {
    cluster: true,
    unknownFlag: () => [
      'prepare',
      '--nope',
      '--db',
      db.url,
      join(dir, 'train.jsonl'),
      join(dir, 'valid.jsonl'),
    ],
    missingInput: () => ['import', join(dir, 'missing-export.json'), '--db', db.url],
    withDatabase: (url) => ['prepare', '--db', url, join(dir, 'train.jsonl'), join(dir, 'valid.jsonl')],
  },
  embeddings: {
    unknownFlag: () => ['run', '--nope', '--db', db.url, '--table', 'texts', '--model', join(dir, 'model')],
    missingInput: () => ['run', '--db', db.url, '--table', 'texts', '--model', join(dir, 'missing-model')],
    withDatabase: (url) => ['status', '--db', url, '--table', 'texts'],
  },
  'market-samples': {
    cluster: true,
    unknownFlag: () => ['build', '--nope', '--n-samples', '10', '--data-dir', join(dir, 'samples')],
    missingInput: () => [
      'import-csv',
      join(dir, 'missing.csv'),
      '--ticker',
      'AAPL',
      '--output',
      join(dir, 'raw.parquet'),
    ],
  },
  'probe-rows': {
    cluster: true,
    unknownFlag: () => ['build', '--nope', '--input', join(dir, 'in.parquet'), '--output', join(dir, 'out')],
    missingInput: () => ['build', '--input', join(dir, 'missing.parquet'), '--output', join(dir, 'out')],
  },
};

/** Exit code 2, exactly one line on stderr that starts with the CLI's name, and no password anywhere. */
function expectOneLineUserError(cli: string, result: Run, names: RegExp): void {
  expect(result.code, result.stderr).toBe(2);
  const lines = result.stderr.split('\n').filter((line) => line.length > 0);
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^${cli}: `));
  expect(lines[0]).toMatch(names);
  expect(result.stdout + result.stderr).not.toContain(PASSWORD);
}

describe.each(Object.entries(CLIS))('%s', (cli, cases) => {
  it('an unknown flag: exit 2, one line naming the flag', async () => {
    expectOneLineUserError(cli, await run(cli, cases.unknownFlag()), /--nope/);
  });

  it('a missing input: exit 2, one line naming the path', async () => {
    expectOneLineUserError(cli, await run(cli, cases.missingInput()), /missing/);
  });

  it.runIf(cases.withDatabase !== undefined)(
    'a malformed database URL: exit 2, one line, no password',
    async () => {
      expectOneLineUserError(cli, await run(cli, cases.withDatabase!(BAD_URL)), /URL|port/i);
    },
  );

  it.runIf(cases.withDatabase !== undefined)('a wrong password: exit 2, one line, no password', async () => {
    expectOneLineUserError(
      cli,
      await run(cli, cases.withDatabase!(wrongPasswordUrl())),
      /password|authentication/i,
    );
  });

  // pg-boss needs Node 22.12: on older Node the cluster commands refuse in one line before reading the URL.
  const queueNode =
    Number(process.versions.node.split('.')[0]) * 100 + Number(process.versions.node.split('.')[1]) >= 2212;

  it.runIf(cases.cluster === true && queueNode)(
    'status of the job queue at a malformed URL: exit 2, one line, no password',
    async () => {
      expectOneLineUserError(cli, await run(cli, ['status', '--db', BAD_URL]), /URL/);
    },
  );

  it.runIf(cases.cluster === true && queueNode)(
    'status of the job queue with a wrong password: exit 2, one line, no password',
    async () => {
      expectOneLineUserError(
        cli,
        await run(cli, ['status', '--db', wrongPasswordUrl()]),
        /password|authentication/i,
      );
    },
  );

  it.runIf(cases.cluster === true && !queueNode)(
    'status on Node older than 22.12: exit 2, one line naming the Node needed',
    async () => {
      expectOneLineUserError(
        cli,
        await run(cli, ['status', '--db', wrongPasswordUrl()]),
        /Node 22\.12 or newer/,
      );
    },
  );

  it('--help: exit 0, usage on stdout, nothing on stderr', async () => {
    const result = await run(cli, ['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`Usage: ${cli}`));
    expect(result.stderr).toBe('');
  });
});
