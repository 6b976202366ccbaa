// Guards against unusual or broken tables giving a stack trace or wrong examples in `discord-dataset prepare`:
// each case of the corpus (tables built here) has its outcome pinned: the examples and counters, or exit code 2
// with one line naming the table, column, message or flag at fault. Hostile values (quotes, semicolons, mixed
// case, Unicode) in the flags and paths reach PostgreSQL as parameters only, and a password never appears in
// anything a run prints or writes. Run through the CLI's main, as a user's command runs.
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestDatabase, useTestDatabase } from '@prepkit/db-cursors/testing';
import type { TestDatabase } from '@prepkit/db-cursors/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { initDatabase } from '../../src/index.js';
import { insertRows, readLines, sql, tempDir } from '../helpers.js';
import type { RowSpec } from '../helpers.js';

const db = useTestDatabase();
let dir: string;
const databases: TestDatabase[] = [];
let run = 0;

beforeAll(async () => {
  dir = await tempDir('discord-dataset-prepare-input-');
});
afterAll(async () => {
  for (const database of databases) await database.drop();
});

/** A fresh database with the schema and `rows`. */
async function tableOf(rows: readonly RowSpec[]): Promise<string> {
  const database = await createTestDatabase(db.url, 'discord_input');
  databases.push(database);
  await initDatabase(database.url);
  if (rows.length > 0) await insertRows(database.url, rows);
  return database.url;
}

async function prepare(url: string, ...flags: string[]) {
  const out = join(dir, `run-${run++}`);
  let stdout = '';
  let stderr = '';
  const code = await main(
    ['prepare', '--db', url, join(out, 'train.jsonl'), join(out, 'valid.jsonl'), '--threads', '1', ...flags],
    {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      env: {},
    },
  );
  const report = code === 0 && flags.includes('--json') ? (JSON.parse(stdout) as Report) : undefined;
  return { out, code, stdout, stderr, report };
}

interface Report {
  counters: Record<string, number>;
  facts: { warnings: string[] };
}

/** Every example of both files. */
async function examples(out: string): Promise<unknown[]> {
  return [...(await readLines(join(out, 'train.jsonl'))), ...(await readLines(join(out, 'valid.jsonl')))];
}

function expectError(result: { code: number; stderr: string }, line: string): void {
  expect(result).toMatchObject({ code: 2, stderr: `discord-dataset: ${line}\n` });
}

/** A conversation of `n` messages, each replying to the one before, two authors taking turns. */
function chain(first: number, n: number): RowSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    id: String(first + i),
    parent: i === 0 ? null : String(first + i - 1),
    author: String(1 + (i % 2)),
    content: `turn ${i}`,
  }));
}

describe('discord-dataset prepare', () => {
  it('[input] a reply to a message not in the table: a thread root, counted', async () => {
    const url = await tableOf([
      ...chain(100, 3),
      { id: '200', parent: '199', author: '1', content: 'orphan' },
    ]);
    const r = await prepare(url, '--json');
    expect(r.code).toBe(0);
    expect(r.report!.counters).toMatchObject({ messages: 4, threads: 2, dangling_replies: 1 });
  });

  it('[input] reply cycles (a pair, a self-reply): cut at their smallest id, counted', async () => {
    const url = await tableOf([
      { id: '300', parent: '301', author: '1', content: 'a' },
      { id: '301', parent: '300', author: '2', content: 'b' },
      { id: '302', parent: '302', author: '1', content: 'me' },
    ]);
    const r = await prepare(url, '--json');
    expect(r.code).toBe(0);
    expect(r.report!.counters).toMatchObject({ messages: 3, threads: 2, cycles_broken: 2 });
    expect(await examples(r.out)).toEqual([
      {
        messages: [
          { role: 'user', content: 'user1: a' },
          { role: 'assistant', content: 'b' },
        ],
      },
    ]);
  });

  it('[input] a chain 10,000 deep: one example of alternating turns, nothing recursed', async () => {
    const url = await tableOf(chain(1_000_000, 10_000));
    const r = await prepare(url, '--json', '--max-turns', '4');
    expect(r.code).toBe(0);
    expect(r.report!.counters).toMatchObject({ messages: 10_000, threads: 1 });
    const [example] = (await examples(r.out)) as { messages: { content: string }[] }[];
    expect(example!.messages.map((m) => m.content)).toEqual([
      'user1: turn 9996',
      'turn 9997',
      'user1: turn 9998',
      'turn 9999',
    ]);
  });

  it('[input] a 1 MB message: written intact', async () => {
    const big = `${'ß'.repeat(500_000)}😀`;
    const url = await tableOf([
      { id: '400', author: '1', content: 'q' },
      { id: '401', parent: '400', author: '2', content: big },
    ]);
    const r = await prepare(url);
    expect(r.code).toBe(0);
    expect(await examples(r.out)).toEqual([
      {
        messages: [
          { role: 'user', content: 'user1: q' },
          { role: 'assistant', content: big },
        ],
      },
    ]);
  });

  it('[input] a message twice in a table without a primary key: exit 2 naming the id', async () => {
    const url = await tableOf([]);
    await sql(url, 'ALTER TABLE messages DROP CONSTRAINT messages_pkey');
    await insertRows(url, [...chain(500, 2), { id: '501', parent: '500', author: '2', content: 'again' }]);
    expectError(
      await prepare(url),
      'message id 501 occurs more than once in the selection; messages.id must be unique (a primary key)',
    );
  });

  it('[input] a missing column: exit 2 naming it and init-db', async () => {
    const url = await tableOf(chain(600, 2));
    await sql(url, 'ALTER TABLE messages DROP COLUMN referenced_message_id');
    expectError(
      await prepare(url),
      'the database has no column messages.referenced_message_id; create the schema with `discord-dataset init-db --db <url>` (or psql -f sql_scripts/discord_schema.sql)',
    );
  });

  it('[input] no messages table: exit 2 naming it and init-db', async () => {
    const url = await tableOf([]);
    await sql(url, 'DROP TABLE messages');
    expectError(
      await prepare(url),
      'the database has no table "messages" (looked up with the connection search_path); create the schema with `discord-dataset init-db --db <url>` (or psql -f sql_scripts/discord_schema.sql)',
    );
  });

  it('[input] an empty table: exit 0, two empty files, both warned about', async () => {
    const url = await tableOf([]);
    const r = await prepare(url);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: ${join(r.out, 'valid.jsonl')} is empty`);
    expect(r.stderr).toContain(
      `warning: ${join(r.out, 'train.jsonl')} is empty: no example passed the filters`,
    );
    expect(await examples(r.out)).toEqual([]);
  });

  it('[input] mentions of an unexpected shape: the mention becomes @unknown-user', async () => {
    const url = await tableOf([
      { id: '700', author: '1', content: 'hi <@99>', mentions: '[1, "x", null, {"id": 5}]' },
      { id: '701', parent: '700', author: '2', content: 'yo' },
    ]);
    const r = await prepare(url);
    expect(r.code).toBe(0);
    expect(await examples(r.out)).toEqual([
      {
        messages: [
          { role: 'user', content: 'user1: hi @unknown-user' },
          { role: 'assistant', content: 'yo' },
        ],
      },
    ]);
  });

  it('[input] a --channel id beyond int64: exit 2 naming the flag', async () => {
    const r = await prepare('postgresql://u@127.0.0.1:1/db', '--channel', '9223372036854775808');
    expectError(
      r,
      "option '--channel <id>' argument '9223372036854775808' is invalid. 9223372036854775808 is not a channel id (digits, at most 9223372036854775807)",
    );
  });

  it('[input] a --since that is not a date: exit 2 naming the option', async () => {
    const r = await prepare(await tableOf([]), '--since', 'last tuesday');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^discord-dataset: options\.since .*last tuesday.*\n$/);
  });

  it.each([["x'; DROP TABLE messages; --"], ['"Mixed" Case'], ['Zoë 🚀 \\ $1']])(
    '[names] --assistant-author %j and an output path like it: a parameter, never executed',
    async (name) => {
      const url = await tableOf([
        { id: '800', author: '1', content: 'question' },
        { id: '801', parent: '800', author: '2', name, content: 'answer' },
      ]);
      const out = join(dir, `out ${name.replaceAll('/', '_')}`);
      await mkdir(out);
      let stderr = '';
      const code = await main(
        [
          'prepare',
          '--db',
          url,
          join(out, 'train.jsonl'),
          join(out, 'valid.jsonl'),
          '--assistant-author',
          name,
        ],
        { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) }, env: {} },
      );
      expect({ code, stderr }).toEqual({
        code: 0,
        stderr: expect.not.stringContaining('discord-dataset:') as unknown,
      });
      expect([
        ...(await readLines(join(out, 'train.jsonl'))),
        ...(await readLines(join(out, 'valid.jsonl'))),
      ]).toEqual([
        {
          messages: [
            { role: 'user', content: 'user1: question' },
            { role: 'assistant', content: 'answer' },
          ],
        },
      ]);
      expect(await sql(url, 'SELECT count(*)::int AS n FROM messages')).toEqual([{ n: 2 }]);
      expect((await readdir(out)).sort()).toEqual(['manifest.json', 'train.jsonl', 'valid.jsonl']);
    },
  );

  it('[secrets] a known password appears in no output, report or manifest, of a failing and a succeeding run', async () => {
    const secret = 'Kn0wn-Secret-pw-271828';
    const url = await tableOf(chain(900, 3));
    const name = new URL(url).pathname.slice(1);
    await sql(url, `DROP ROLE IF EXISTS stress_secret; CREATE ROLE stress_secret LOGIN PASSWORD '${secret}'`);
    await sql(
      url,
      `GRANT SELECT ON messages TO stress_secret; GRANT CONNECT ON DATABASE "${name}" TO stress_secret`,
    );
    const withSecret = new URL(url);
    withSecret.username = 'stress_secret';
    withSecret.password = secret;
    const ok = await prepare(withSecret.toString(), '--json');
    expect(ok.code).toBe(0);
    const manifest = await readFile(join(ok.out, 'manifest.json'), 'utf8');
    expect(manifest).toContain('stress_secret:***@');
    const failing = await prepare(withSecret.toString().replace(`/${name}`, '/no_such_database'), '--json');
    expect(failing.code).toBe(2);
    const human = await prepare(withSecret.toString().replace(secret, `${secret}-wrong`));
    expect(human.code).toBe(2);
    for (const text of [
      ok.stdout,
      ok.stderr,
      manifest,
      failing.stdout,
      failing.stderr,
      human.stdout,
      human.stderr,
    ])
      expect(text).not.toContain(secret);
    await sql(url, 'DROP OWNED BY stress_secret; DROP ROLE stress_secret');
  });
});
