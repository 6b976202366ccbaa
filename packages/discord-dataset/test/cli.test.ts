import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '@prepkit/bench-harness/errors';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli/args.js';
import { main } from '../src/cli/main.js';
import { DEFAULT_PREPARE_OPTIONS, generateToDatabase, initDatabase } from '../src/index.js';
import { largeExport, listDir, newExport, sql, tempDir, until, withPassword } from './helpers.js';

const db = useTestDatabase();
const dir = await tempDir();

/** Runs the CLI in-process with captured output. */
async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cliWithEnv({}, ...argv);
}

async function cliWithEnv(
  env: Record<string, string>,
  ...argv: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
  });
  return { code, stdout, stderr };
}

/** The one line a user error gives: exit code 2, nothing else on stderr. */
function expectOneLine(result: { code: number; stderr: string }, pattern: RegExp): void {
  expect(result.code).toBe(2);
  expect(result.stderr.endsWith('\n')).toBe(true);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
}

describe('parseArgs', () => {
  it('maps prepare flags onto PrepareOptions', () => {
    expect(
      parseArgs([
        'prepare',
        '--db',
        'postgresql://u@h/db',
        'train.jsonl',
        'valid.jsonl',
        '--strategy',
        'cte',
        '--threads',
        '3',
        '--batch-size',
        '50',
        '--parallel-min-messages',
        '0',
        '--valid-fraction',
        '0.1',
        '--seed',
        'abc',
        '--format',
        'text',
        '--assistant-author',
        'ada',
        '--min-turns',
        '3',
        '--max-turns',
        '9',
        '--max-chars',
        '4000',
        '--include-bots',
        '--channel',
        '11,12',
        '--channel',
        '13',
        '--since',
        '2024-01-01',
        '--until',
        '2024-06-01',
        '--example-per',
        'reply',
        '--speaker-names',
        'none',
        '--no-manifest',
        '--overwrite',
        '--json',
      ]),
    ).toEqual({
      kind: 'prepare',
      json: true,
      quiet: false,
      options: {
        db: 'postgresql://u@h/db',
        train: 'train.jsonl',
        valid: 'valid.jsonl',
        strategy: 'cte',
        threads: 3,
        batchSize: 50,
        parallelMinMessages: 0,
        validFraction: 0.1,
        seed: 'abc',
        format: 'text',
        assistantAuthor: 'ada',
        minTurns: 3,
        maxTurns: 9,
        maxChars: 4000,
        includeBots: true,
        channels: ['11', '12', '13'],
        since: '2024-01-01',
        until: '2024-06-01',
        examplePer: 'reply',
        speakerNames: 'none',
        manifest: false,
        overwrite: true,
      },
    });
  });

  it('passes only the flags given, and takes --db from DATABASE_URL', () => {
    expect(parseArgs(['prepare', 't', 'v'], { DATABASE_URL: 'postgresql://env/db' })).toEqual({
      kind: 'prepare',
      json: false,
      quiet: false,
      options: { db: 'postgresql://env/db', train: 't', valid: 'v' },
    });
    expect(
      parseArgs(['prepare', '--db', 'postgresql://flag/db', 't', 'v'], {
        DATABASE_URL: 'postgresql://env/db',
      }),
    ).toMatchObject({ options: { db: 'postgresql://flag/db' } });
  });

  it('accepts --max-workers as a hidden alias of --threads', () => {
    expect(parseArgs(['prepare', '--db', 'postgresql://h/d', 't', 'v', '--max-workers', '2'])).toMatchObject({
      options: { threads: 2 },
    });
    expect(parseArgs(['bench', '--db', 'postgresql://h/d', '--max-workers', '2'])).toMatchObject({
      options: { threads: 2 },
    });
    const help = parseArgs(['prepare', '--help']) as { text: string };
    expect(help.text).toContain('--threads <n>');
    expect(help.text).not.toContain('--max-workers');
  });

  it('parses the other commands', () => {
    expect(
      parseArgs(['import', 'a.json', 'b.json', '--db', 'postgresql://h/d', '--batch-size', '10']),
    ).toMatchObject({
      kind: 'import',
      options: { db: 'postgresql://h/d', files: ['a.json', 'b.json'], batchSize: 10 },
    });
    expect(parseArgs(['validate', 'x.jsonl', '--consumers', 'mlx,strict', '-q'])).toEqual({
      kind: 'validate',
      files: ['x.jsonl'],
      options: { consumers: ['mlx', 'strict'] },
      json: false,
      quiet: true,
    });
    expect(
      parseArgs(['generate', '--db', 'postgresql://h/d', '--messages', '1000', '--seed', '4']),
    ).toMatchObject({
      kind: 'generate',
      options: { db: 'postgresql://h/d', messages: 1000, seed: '4' },
    });
    expect(parseArgs(['init-db', '--db', 'postgresql://h/d', '--no-indexes'])).toMatchObject({
      kind: 'init-db',
      db: 'postgresql://h/d',
      indexes: false,
    });
    expect(parseArgs(['bench', '--strategies', 'naive,copy'], { DATABASE_URL: 'postgresql://h/d' })).toEqual({
      kind: 'bench',
      json: false,
      quiet: false,
      options: { db: 'postgresql://h/d', strategies: ['naive', 'copy'] },
    });
  });

  it.each([
    [
      ['prepare', 't', 'v', '--threads', '0'],
      /--threads <n>' argument '0' is invalid\. must be a positive integer/,
    ],
    [
      ['prepare', 't', 'v', '--strategy', 'fast'],
      /argument 'fast' is invalid\. Allowed choices are naive, cte, copy/,
    ],
    [['prepare', 't', 'v', '--valid-fraction', '2'], /must be a number from 0 to 1/],
    [['prepare', 't', 'v', '--channel', 'general'], /general is not a channel id/],
    [
      ['prepare', 't', 'v', '--channel', '99999999999999999999'],
      /--channel <id>' argument '99999999999999999999' is invalid\. 99999999999999999999 is not a channel id \(digits, at most 9223372036854775807\)/,
    ],
    [['prepare', 't', 'v', '--valid-fraction', '1e999'], /must be a number from 0 to 1/],
    [['prepare', 't', 'v', '--max-chars', '99999999999999999999'], /must be a positive integer/],
    [['prepare', 't'], /missing required argument 'valid\.jsonl'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['prepare', 't', 'v', '--thraeds', '2'], /unknown option '--thraeds'[\s\S]*Did you mean --threads/],
  ])('rejects %j with a UsageError', (argv, message) => {
    const env = { DATABASE_URL: 'postgresql://h/d' };
    expect(() => parseArgs(argv, env)).toThrow(UsageError);
    expect(() => parseArgs(argv, env)).toThrow(message);
  });

  it('asks for a database when neither --db nor DATABASE_URL gives one', () => {
    for (const argv of [
      ['init-db'],
      ['import', 'a.json'],
      ['prepare', 't', 'v'],
      ['generate', '--messages', '1'],
    ])
      expect(() => parseArgs(argv)).toThrow('no database: pass --db <url> or set DATABASE_URL');
  });

  it('returns help and version as text, with the library defaults', () => {
    const help = parseArgs(['--help']);
    expect(help.kind).toBe('help');
    expect((help as { text: string }).text).toMatch(/Usage: discord-dataset[\s\S]*Examples:/);
    const prepare = (parseArgs(['prepare', '--help']) as { text: string }).text.replace(/\s+/g, ' ');
    expect(prepare).toMatch(/--assistant-author[\s\S]*--example-per/);
    expect(prepare).toContain(`(default: ${DEFAULT_PREPARE_OPTIONS.batchSize})`);
    expect(prepare).toContain(`(default: ${DEFAULT_PREPARE_OPTIONS.validFraction})`);
    expect(parseArgs(['--version'])).toEqual({ kind: 'version', text: 'discord-dataset 0.1.0\n' });
    expect(parseArgs([]).kind).toBe('help');
  });
});

describe('main', () => {
  it('runs init-db, generate, prepare and validate end to end', async () => {
    expect((await cli('init-db', '--db', db.url, '-q')).code).toBe(0);
    const env = { DATABASE_URL: db.url };
    expect((await cliWithEnv(env, 'generate', '--messages', '20000', '--seed', '5', '-q')).code).toBe(0);
    const out = join(dir, 'e2e');
    const prepared = await cliWithEnv(
      env,
      'prepare',
      join(out, 'train.jsonl'),
      join(out, 'valid.jsonl'),
      '--json',
      '-q',
      '--threads',
      '1',
    );
    expect(prepared.stderr).toBe('');
    expect(prepared.code).toBe(0);
    const report = JSON.parse(prepared.stdout) as {
      status: string;
      counters: Record<string, number>;
      facts: { train: { records: number } };
    };
    expect(report.status).toBe('ok');
    expect(report.counters).toMatchObject({ messages: 20_000, cycles_broken: expect.any(Number) as number });
    expect(report.counters.cycles_broken).toBeGreaterThanOrEqual(3);
    expect(report.counters.dangling_replies).toBeGreaterThan(0);
    expect(report.facts.train.records).toBe(report.counters.train_examples);
    expect(prepared.stdout).not.toContain(new URL(db.url).password);
    expect(await listDir(out)).toEqual(['manifest.json', 'train.jsonl', 'valid.jsonl']);
    const validated = await cli('validate', join(out, 'train.jsonl'), join(out, 'valid.jsonl'));
    expect(validated.code).toBe(0);
    expect(validated.stderr).toMatch(
      /est\. tokens\/example \(chars\/4\): min \d+, median \d+, p95 \d+, max \d+/,
    );
    expect(validated.stderr).toMatch(/valid: no errors/);
  });

  it('exits 2 with a line number when validate finds problems', async () => {
    const bad = join(dir, 'bad.jsonl');
    await writeFile(
      bad,
      '{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}\n{"messages":[{"role":"user","content":"q"}]}\n',
    );
    const result = await cli('validate', bad);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${bad}:2: error [no-assistant] no assistant message`);
    expect(result.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^discord-dataset: \d+ problem\(s\) in 1 file\(s\) that fine-tuning tools would reject$/,
    );
  });

  it('reports a wrong password in one line, without the password, and exits 2', async () => {
    const url = withPassword(db.url, 'wrong-secret-123');
    const result = await cli('prepare', '--db', url, join(dir, 'a.jsonl'), join(dir, 'b.jsonl'));
    expectOneLine(
      result,
      /^discord-dataset: prepare: cannot connect to postgres(ql)?:\/\/[^:]+:\*\*\*@.*password authentication failed/,
    );
    expect(result.stderr).not.toContain('wrong-secret-123');
    // The same from DATABASE_URL.
    const fromEnv = await cliWithEnv({ DATABASE_URL: url }, 'init-db');
    expectOneLine(fromEnv, /password authentication failed/);
    expect(fromEnv.stderr).not.toContain('wrong-secret-123');
  });

  it('reports an unreachable server or a bad URL in one line, without the password', async () => {
    const refused = await cli(
      'prepare',
      '--db',
      'postgresql://app:hunter2secret@127.0.0.1:1/db',
      join(dir, 'a.jsonl'),
      join(dir, 'b.jsonl'),
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      'discord-dataset: prepare: cannot connect to postgresql://app:***@127.0.0.1:1/db: connect ECONNREFUSED 127.0.0.1:1\n',
    );
    for (const command of [['prepare', 'a.jsonl', 'b.jsonl'], ['import', 'x.json'], ['init-db']]) {
      const bad = await cliWithEnv(
        { DATABASE_URL: 'postgresql://u:secret@127.0.0.1:notaport/db' },
        ...command,
      );
      expectOneLine(bad, /^discord-dataset: [a-z-]+: the database must be a valid postgresql:\/\/ URL/);
      expect(bad.stderr).not.toContain('secret');
    }
  });

  it('names a missing table and points to init-db', async () => {
    const empty = new URL(db.url);
    const other = `${empty.pathname}_empty`;
    // A second database on the same server, without the schema.
    await sql(db.url, `CREATE DATABASE "${other.slice(1)}"`);
    try {
      empty.pathname = other;
      const result = await cli(
        'prepare',
        '--db',
        empty.toString(),
        join(dir, 'a.jsonl'),
        join(dir, 'b.jsonl'),
        '-q',
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        'discord-dataset: the database has no table "messages" (looked up with the connection search_path); ' +
          'create the schema with `discord-dataset init-db --db <url>` (or psql -f sql_scripts/discord_schema.sql)\n',
      );
    } finally {
      await sql(db.url, `DROP DATABASE "${other.slice(1)}" WITH (FORCE)`);
    }
  });

  it('exits 2 for bad or missing input files, naming the file and position', async () => {
    const html = join(dir, 'export.html.json');
    await writeFile(html, '<html><body>chat</body></html>');
    const broken = join(dir, 'broken.json');
    await writeFile(
      broken,
      JSON.stringify(newExport('1', [{ id: '1', author: { id: '2', name: 'a' }, content: 'x' }])).slice(
        0,
        -5,
      ),
    );
    expectOneLine(
      await cli('import', html, '--db', db.url, '-q'),
      new RegExp(`^discord-dataset: ${escape(html)}: this is an HTML export, not JSON`),
    );
    expectOneLine(
      await cli('import', broken, '--db', db.url, '-q'),
      new RegExp(`^discord-dataset: ${escape(broken)}:1:\\d+: malformed JSON`),
    );
    const missing = join(dir, 'no-such-export.json');
    expectOneLine(
      await cli('import', missing, '--db', db.url, '-q'),
      new RegExp(`^discord-dataset: ${escape(missing)}: cannot read the export \\(ENOENT\\)`),
    );
    const missingJsonl = join(dir, 'no-such.jsonl');
    expectOneLine(
      await cli('validate', missingJsonl),
      new RegExp(`^discord-dataset: ${escape(missingJsonl)}: cannot read \\(ENOENT\\)`),
    );
  });

  it('exits 2 in one line for bad flags and 0 for --help', async () => {
    expectOneLine(
      await cli('prepare', '--db', 'postgresql://h/d', 't', 'v', '--batch-size', 'many'),
      /^discord-dataset: option '--batch-size <n>' argument 'many' is invalid/,
    );
    expectOneLine(
      await cli('prepare', '--db', 'postgresql://u:secret@h/d', 't', 'v', '--no-such-flag'),
      /^discord-dataset: unknown option '--no-such-flag'\n$/,
    );
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'on %s, removes partial outputs and exits 130',
    async (signal) => {
      await generateToDatabase({ db: db.url, messages: 20_000, seed: 5 });
      const out = join(dir, signal);
      await mkdir(out);
      const runTs = fileURLToPath(new URL('../src/cli/run.ts', import.meta.url));
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          runTs,
          'prepare',
          join(out, 'train.jsonl'),
          join(out, 'valid.jsonl'),
          '--strategy',
          'naive',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DATABASE_URL: db.url } },
      );
      let stderr = '';
      const started = new Promise<void>((resolve) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          // The first progress line: the run is under way.
          if (/load: /.test(stderr)) resolve();
        });
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await Promise.race([started, exited]);
      child.kill(signal);
      const code = await exited;
      expect(stderr).toContain('discord-dataset: interrupted; no output was left behind');
      expect(code).toBe(130);
      expect(stderr).not.toContain(new URL(db.url).password);
      expect(await listDir(out)).toEqual([]);
    },
    60_000,
  );
});

describe('main, interrupted import', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'on %s, exits 130 keeping the committed batches, and a rerun holds each message once',
    async (signal) => {
      await initDatabase(db.url);
      const channel = signal === 'SIGINT' ? '1000000000000001001' : '1000000000000001002';
      const first = signal === 'SIGINT' ? 810000000000000000n : 820000000000000000n;
      const total = 8_000;
      const file = join(dir, `${signal}-export.json`);
      await writeFile(file, largeExport(channel, total, first));
      const count = async (): Promise<number> =>
        (
          await sql<{ n: number }>(db.url, 'SELECT count(*)::int AS n FROM messages WHERE channel_id = $1', [
            channel,
          ])
        )[0]!.n;
      const runTs = fileURLToPath(new URL('../src/cli/run.ts', import.meta.url));
      const args = ['--import', 'tsx', runTs, 'import', file, '--batch-size', '500'];
      const env = { ...process.env, DATABASE_URL: db.url };
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      let done = false;
      void exited.then(() => (done = true));
      // The first committed batch: the import is under way.
      await until(async () => done || (await count()) > 0, 'a committed batch');
      child.kill(signal);
      const code = await exited;
      expect(stderr).toContain(
        'discord-dataset: interrupted; the batches committed so far are kept; importing the same files again is safe',
      );
      expect(code).toBe(130);
      expect(await listDir(dir)).not.toContainEqual(expect.stringMatching(/\.tmp-/));
      expect(await count()).toBeLessThan(total);

      const rerun = await cliWithEnv({}, 'import', file, '--db', db.url, '-q');
      expect(rerun).toMatchObject({ code: 0, stderr: '' });
      expect(await count()).toBe(total);
    },
    120_000,
  );
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
