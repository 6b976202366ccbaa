import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '@prepkit/bench-harness/errors';
import { main } from '../src/cli/main.js';
import { parseArgs } from '../src/cli/parse-args.js';
import { DEFAULT_EMBED_TABLE_OPTIONS } from '../src/index.js';
import { startCli } from './helpers.js';

const db = useTestDatabase();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'embeddings-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(
  args: string[],
  env: Record<string, string> = { DATABASE_URL: db.url },
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
  });
  return { code, stdout, stderr };
}

/** A user error: exit code 2 and exactly one line on stderr, which matches `pattern`. */
function expectOneLine(result: { code: number; stderr: string }, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr.split('\n')).toEqual([expect.stringMatching(pattern), '']);
}

describe('parseArgs', () => {
  it('maps run flags onto the library options, the URL from DATABASE_URL when --db is absent, and nothing else', () => {
    const parsed = parseArgs(
      [
        'run',
        '--table',
        'app.docs',
        '--model',
        'm',
        '--text-col',
        'body',
        '--fetch-size',
        '64',
        '--threads',
        '2',
        '--retry-errors',
      ],
      { DATABASE_URL: 'postgresql://x' },
    );
    expect(parsed).toMatchObject({ command: 'run', json: false, quiet: false });
    // Defaults are the library's to apply: only what was given is passed.
    expect(JSON.parse(JSON.stringify((parsed as { options: unknown }).options))).toEqual({
      db: 'postgresql://x',
      table: 'app.docs',
      textColumn: 'body',
      model: 'm',
      fetchSize: 64,
      threads: 2,
      retryErrors: true,
    });
  });

  it('shows the library defaults in --help', () => {
    const help = parseArgs(['run', '--help']);
    if (help.command !== 'help') throw new Error(`expected help, got ${help.command}`);
    const d = DEFAULT_EMBED_TABLE_OPTIONS;
    const text = help.text.replace(/\s+/g, ' ');
    expect(text).toContain(`rows claimed per query (one length-sorted window) (default: ${d.fetchSize})`);
    expect(text).toContain(`padded tokens per model batch (default: ${d.maxBatchTokens})`);
    expect(text).toContain(`text column (default: "${d.textColumn}")`);
    expect(text).toContain('ONNX Runtime threads (default: available cores)');
  });

  it('rejects bad flags with a usage error', () => {
    expect(() => parseArgs(['run', '--table', 't', '--model', 'm'], {})).toThrow(/--db <url> is required/);
    expect(() =>
      parseArgs(['run', '--db', 'u', '--table', 't', '--model', 'm', '--fetch-size', '0']),
    ).toThrow(UsageError);
    expect(() => parseArgs(['run', '--db', 'u', '--table', 't', '--model', 'm', '--device', 'tpu'])).toThrow(
      UsageError,
    );
    expect(() => parseArgs(['make-test-model'])).toThrow(/--output/);
  });
});

describe('embeddings CLI', () => {
  it('makes a model, generates rows, runs, reports status and searches', async () => {
    const model = join(dir, 'tiny');
    const made = await cli(['make-test-model', '--output', model, '--quiet']);
    expect(made).toEqual({ code: 0, stdout: '', stderr: '' });
    expectOneLine(await cli(['make-test-model', '--output', model]), /already holds .*--overwrite/);
    expect((await cli(['make-test-model', '--output', model, '--overwrite', '-q'])).code).toBe(0);
    expect((await cli(['generate', '--table', 'docs', '--rows', '500', '--seed', 'cli'])).code).toBe(0);
    expectOneLine(await cli(['generate', '--table', 'docs', '--rows', '5']), /already exists/);
    const run = await cli(['run', '--table', 'docs', '--model', model, '--threads', '1', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { counters: Record<string, number>; status: string };
    expect(report.status).toBe('ok');
    expect(report.counters.rows! + report.counters.errors!).toBe(500);
    const status = await cli(['status', '--table', 'docs']);
    expect(status.stdout).toMatch(/500 rows, .* embedded, 0 pending/);
    const search = await cli([
      'search',
      '--table',
      'docs',
      '--model',
      model,
      '-k',
      '3',
      '--json',
      'the database',
    ]);
    const hits = JSON.parse(search.stdout) as { hits: { score: number }[]; method: string };
    expect(hits.method).toBe('exact-scan');
    expect(hits.hits).toHaveLength(3);
    expect(hits.hits[0]!.score).toBeGreaterThanOrEqual(hits.hits[2]!.score);
  });

  it('answers bad input with one line and exit code 2, never showing the password', async () => {
    expectOneLine(
      await cli(['run', '--table', 'docs', '--model', 'm', '--frobnicate']),
      /unknown option '--frobnicate'/,
    );
    expectOneLine(await cli(['status', '--table', 'docs'], {}), /--db <url> is required/);
    expectOneLine(
      await cli(['run', '--table', 'nope', '--model', join(dir, 'tiny')]),
      /^embeddings: table nope does not exist$/,
    );
    expectOneLine(await cli(['status', '--table', 'docs', '--text-col', 'body']), /has no column body/);
    expectOneLine(
      await cli(['run', '--table', 'docs', '--model', join(dir, 'none')]),
      /none: no such directory/,
    );

    const badUrl = 'postgresql://u:secret@127.0.0.1:notaport/db';
    for (const command of [
      ['status', '--table', 'docs', '--db', badUrl],
      ['run', '--table', 'docs', '--model', join(dir, 'tiny'), '--db', badUrl],
      ['generate', '--table', 'docs', '--rows', '1'],
    ]) {
      const result = await cli(command, { DATABASE_URL: badUrl });
      expectOneLine(result, /database URL is not a valid URL/);
      expect(result.stderr + result.stdout).not.toContain('secret');
    }

    const url = new URL(db.url);
    const password = decodeURIComponent(url.password);
    url.password = 'wrong-password';
    const denied = await cli(['status', '--table', 'docs'], { DATABASE_URL: url.href });
    expectOneLine(denied, /password authentication failed/);
    expect(denied.stderr).not.toContain('wrong-password');
    if (password !== '') expect(denied.stderr).not.toContain(password);
  });

  it("says in one line that --device cuda cannot work here, without ONNX Runtime's own log line", async () => {
    const result = await startCli(
      ['run', '--table', 'docs', '--model', join(dir, 'tiny'), '--device', 'cuda', '--retry-errors', '-q'],
      db.url,
    ).exit;
    // A machine with a usable CUDA runs it; there is nothing to report then.
    if (result.code === 0) return;
    expectOneLine(
      { code: result.code ?? -1, stderr: result.stderr },
      /^embeddings: --device cuda: ONNX Runtime cannot use CUDA here \(.+\); use --device cpu/,
    );
  });

  it('reports a run stopped through io.signal as interrupted, exit code 130', async () => {
    let stderr = '';
    const code = await main(['run', '--table', 'docs', '--model', join(dir, 'tiny')], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (stderr += s) },
      env: { DATABASE_URL: db.url },
      signal: AbortSignal.abort(new Error('interrupted')),
    });
    expect(code).toBe(130);
    expect(stderr).toBe(
      'embeddings: interrupted; rows embedded so far are kept and a new run finishes the rest\n',
    );
  });
});
