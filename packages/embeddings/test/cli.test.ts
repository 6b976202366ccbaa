import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { UsageError, parseArgs } from '../src/cli/parse-args.js';

const db = useTestDatabase();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'embeddings-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(
    args,
    { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } },
    undefined,
    { DATABASE_URL: db.url },
  );
  return { code, stdout, stderr };
}

describe('parseArgs', () => {
  it('maps run flags onto the library options, the URL from DATABASE_URL when --db is absent', () => {
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
    expect(parsed).toMatchObject({
      command: 'run',
      options: {
        db: 'postgresql://x',
        table: 'app.docs',
        idColumn: 'id',
        textColumn: 'body',
        vectorColumn: 'embedding',
        model: 'm',
        fetchSize: 64,
        threads: 2,
        maxBatchTokens: 8192,
        commitEvery: 1,
        device: 'cpu',
        retryErrors: true,
      },
    });
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
    expect((await cli(['make-test-model', '--output', model])).code).toBe(0);
    expect((await cli(['generate', '--table', 'docs', '--rows', '500', '--seed', 'cli'])).code).toBe(0);
    const again = await cli(['generate', '--table', 'docs', '--rows', '5']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
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
    const missing = await cli(['run', '--table', 'nope', '--model', join(dir, 'tiny')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('embeddings: table nope does not exist\n');
    const column = await cli(['status', '--table', 'docs', '--text-col', 'body']);
    expect(column.code).toBe(2);
    expect(column.stderr).toMatch(/has no column body/);
    const model = await cli(['run', '--table', 'docs', '--model', join(dir, 'none')]);
    expect(model.code).toBe(2);
    expect(model.stderr).toMatch(/no such directory/);
    const url = new URL(db.url);
    const password = decodeURIComponent(url.password);
    url.password = 'wrong-password';
    const denied = await main(['status', '--table', 'docs', '--db', url.href], {
      stdout: { write: () => true },
      stderr: {
        write: (s: string) => {
          expect(s).not.toContain('wrong-password');
          expect(s).not.toContain(password);
          expect(s).toMatch(/password authentication failed/);
          return true;
        },
      },
    });
    expect(denied).toBe(2);
  });
});
