import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { describe, expect, it } from 'vitest';
import { EXIT, main } from '../src/cli/cli.js';
import { parseArgs } from '../src/cli/args.js';
import { UsageError, generateToDatabase } from '../src/index.js';
import { listDir, newExport, tempDir, withPassword } from './helpers.js';

const db = useTestDatabase();
const dir = await tempDir();

/** Runs the CLI in-process with captured output. */
async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

describe('parseArgs', () => {
  it('maps prepare flags onto PrepareOptions', () => {
    expect(
      parseArgs([
        'prepare',
        'postgresql://u@h/db',
        'train.jsonl',
        'valid.jsonl',
        '--strategy',
        'cte',
        '--max-workers',
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
        maxWorkers: 3,
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
      },
    });
  });

  it('leaves unset flags to the library defaults', () => {
    expect(parseArgs(['prepare', 'postgresql://h/db', 't', 'v'])).toEqual({
      kind: 'prepare',
      json: false,
      quiet: false,
      options: {
        db: 'postgresql://h/db',
        train: 't',
        valid: 'v',
        strategy: 'copy',
        format: 'messages',
        examplePer: 'leaf',
        speakerNames: 'prefix',
        includeBots: false,
        channels: [],
        manifest: true,
      },
    });
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
      consumers: ['mlx', 'strict'],
      maxProblems: 100,
      json: false,
      quiet: true,
    });
    expect(
      parseArgs(['generate', '--db', 'postgresql://h/d', '--messages', '1000', '--seed', '4']),
    ).toMatchObject({
      kind: 'generate',
      options: { db: 'postgresql://h/d', messages: 1000, seed: '4' },
    });
    expect(parseArgs(['init-db', 'postgresql://h/d', '--no-indexes'])).toMatchObject({
      kind: 'init-db',
      indexes: false,
    });
    expect(parseArgs(['bench', 'postgresql://h/d', '--strategies', 'naive,copy'])).toMatchObject({
      kind: 'bench',
      options: { db: 'postgresql://h/d', strategies: ['naive', 'copy'], save: false },
    });
  });

  it.each([
    [
      ['prepare', 'u', 't', 'v', '--max-workers', '0'],
      /--max-workers <n>' argument '0' is invalid\. must be a positive integer/,
    ],
    [
      ['prepare', 'u', 't', 'v', '--strategy', 'fast'],
      /argument 'fast' is invalid\. Allowed choices are naive, cte, copy/,
    ],
    [['prepare', 'u', 't', 'v', '--valid-fraction', '2'], /must be a number from 0 to 1/],
    [['prepare', 'u', 't', 'v', '--channel', 'general'], /general is not a channel id/],
    [['prepare', 'u', 't'], /missing required argument 'valid\.jsonl'/],
    [['import', 'a.json'], /required option '--db <url>' not specified/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [
      ['prepare', 'u', 't', 'v', '--max-wrokers', '2'],
      /unknown option '--max-wrokers'[\s\S]*Did you mean --max-workers/,
    ],
  ])('rejects %j with a UsageError', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });

  it('returns help and version as text', () => {
    const help = parseArgs(['--help']);
    expect(help.kind).toBe('help');
    expect((help as { text: string }).text).toMatch(/Usage: discord-dataset[\s\S]*Examples:/);
    expect((parseArgs(['prepare', '--help']) as { text: string }).text).toMatch(
      /--assistant-author[\s\S]*--example-per/,
    );
    expect(parseArgs(['--version'])).toEqual({ kind: 'version', text: 'discord-dataset 0.1.0\n' });
    expect(parseArgs([]).kind).toBe('help');
  });
});

describe('main', () => {
  it('runs init-db, generate, prepare and validate end to end', async () => {
    expect((await cli('init-db', db.url, '-q')).code).toBe(EXIT.ok);
    expect((await cli('generate', '--db', db.url, '--messages', '20000', '--seed', '5', '-q')).code).toBe(
      EXIT.ok,
    );
    const out = join(dir, 'e2e');
    const prepared = await cli(
      'prepare',
      db.url,
      join(out, 'train.jsonl'),
      join(out, 'valid.jsonl'),
      '--json',
      '-q',
      '--max-workers',
      '1',
    );
    expect(prepared.stderr).toBe('');
    expect(prepared.code).toBe(EXIT.ok);
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
    expect(validated.code).toBe(EXIT.ok);
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
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain(`${bad}:2: error [no-assistant] no assistant message`);
    expect(result.stderr).toMatch(
      /discord-dataset validate: 2 problem\(s\) in 1 file\(s\)|discord-dataset validate: 1 problem/,
    );
  });

  it('reports a wrong password in one line, without the password, and exits 2', async () => {
    const url = withPassword(db.url, 'wrong-secret-123');
    const result = await cli('prepare', url, join(dir, 'a.jsonl'), join(dir, 'b.jsonl'));
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).not.toContain('wrong-secret-123');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(
      /^discord-dataset prepare: cannot connect to postgres(ql)?:\/\/[^:]+:\*\*\*@.*password authentication failed/,
    );
    expect(lines.filter((l) => l.startsWith('discord-dataset prepare:'))).toHaveLength(1);
  });

  it('reports an unreachable server in one line, without the password', async () => {
    const result = await cli(
      'prepare',
      'postgresql://app:hunter2secret@127.0.0.1:1/db',
      join(dir, 'a.jsonl'),
      join(dir, 'b.jsonl'),
    );
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toBe(
      'discord-dataset prepare: cannot connect to postgresql://app:***@127.0.0.1:1/db: connect ECONNREFUSED 127.0.0.1:1\n',
    );
  });

  it('names a missing table and points to init-db', async () => {
    const empty = new URL(db.url);
    const other = `${empty.pathname}_empty`;
    // A second database on the same server, without the schema.
    const { sql } = await import('./helpers.js');
    await sql(db.url, `CREATE DATABASE "${other.slice(1)}"`);
    try {
      empty.pathname = other;
      const result = await cli('prepare', empty.toString(), join(dir, 'a.jsonl'), join(dir, 'b.jsonl'), '-q');
      expect(result.code).toBe(EXIT.usage);
      expect(result.stderr).toBe(
        'discord-dataset prepare: the database has no table "messages" (looked up with the connection search_path); ' +
          'create the schema with `discord-dataset init-db <db-url>` (or psql -f sql_scripts/discord_schema.sql)\n',
      );
    } finally {
      await sql(db.url, `DROP DATABASE "${other.slice(1)}" WITH (FORCE)`);
    }
  });

  it('exits 2 for bad exports, naming the file and position', async () => {
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
    const a = await cli('import', html, '--db', db.url, '-q');
    expect(a.code).toBe(EXIT.usage);
    expect(a.stderr).toContain(`${html}: this is an HTML export, not JSON`);
    const b = await cli('import', broken, '--db', db.url, '-q');
    expect(b.code).toBe(EXIT.usage);
    expect(b.stderr).toMatch(
      new RegExp(`${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:\\d+: malformed JSON`),
    );
  });

  it('exits 2 for bad flags and 0 for --help', async () => {
    const bad = await cli('prepare', 'postgresql://h/d', 't', 'v', '--batch-size', 'many');
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toMatch(/^discord-dataset: option '--batch-size <n>' argument 'many' is invalid/);
    const help = await cli('--help');
    expect(help.code).toBe(EXIT.ok);
    expect(help.stdout).toContain('Examples:');
  });

  it('on Ctrl-C, removes partial outputs and exits 130', async () => {
    await generateToDatabase({ db: db.url, messages: 20_000, seed: 5 });
    const out = join(dir, 'sigint');
    await mkdir(out);
    const mainTs = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        mainTs,
        'prepare',
        db.url,
        join(out, 'train.jsonl'),
        join(out, 'valid.jsonl'),
        '--strategy',
        'naive',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    const interrupted = new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        // The first progress line: the run is under way.
        if (/load: /.test(stderr)) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await Promise.race([interrupted, exited]);
    child.kill('SIGINT');
    const code = await exited;
    expect(stderr).toContain('interrupted; nothing was left half-written');
    expect(code).toBe(130);
    expect(stderr).not.toContain(new URL(db.url).password);
    expect(await listDir(out)).toEqual([]);
  }, 60_000);
});
