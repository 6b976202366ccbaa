// Guards against a bad or unusual export giving a stack trace or wrong rows: each case of the corpus (generated
// here) has its outcome pinned: the rows stored, or exit code 2 with one line naming the file, its line and
// column or its message and field, and what is wrong. Run through the CLI's main, as a user's command runs.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { initDatabase } from '../../src/index.js';
import { newExport, sql, tempDir } from '../helpers.js';
import type { FixtureMessage } from '../helpers.js';

const db = useTestDatabase();
let dir: string;
const ada = { id: '80351110224678912', name: 'ada' };
const bob = { id: '80351110224678913', name: 'bob' };

beforeAll(async () => {
  dir = await tempDir('discord-dataset-import-input-');
  await initDatabase(db.url);
});

async function importFile(name: string, content: string | Buffer, ...flags: string[]) {
  const path = join(dir, name);
  await writeFile(path, content);
  let stdout = '';
  let stderr = '';
  const code = await main(['import', path, '--db', db.url, ...flags], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: {},
  });
  return { path, code, stdout, stderr };
}

function exportOf(channel: string, messages: FixtureMessage[]): string {
  return JSON.stringify(newExport(channel, messages));
}

/** A user error: exit 2 and exactly `line` on stderr. */
function expectError(result: { code: number; stderr: string }, line: string | RegExp): void {
  expect(result.code).toBe(2);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  if (typeof line === 'string') expect(result.stderr).toBe(`discord-dataset: ${line}\n`);
  else expect(result.stderr).toMatch(line);
}

const rows = (where: string) =>
  sql<{ id: string; content: string; referenced_message_id: string | null }>(
    db.url,
    `SELECT id, content, referenced_message_id FROM messages WHERE ${where} ORDER BY id`,
  );

describe('discord-dataset import', () => {
  it('[input] a truncated export: exit 2, file, line and column', async () => {
    const text = exportOf('1100', [{ id: '1101', author: ada, content: 'cut' }]);
    const r = await importFile('truncated.json', text.slice(0, text.length - 30), '-q');
    expectError(r, /^discord-dataset: \S+truncated\.json:1:\d+: malformed JSON/);
  });

  it('[input] a corrupt byte inside the JSON: exit 2, the line and column of it', async () => {
    const text = exportOf('1200', [{ id: '1201', author: ada, content: 'ok' }]).replace(
      '"content"',
      '\n\n  #"content"',
    );
    const r = await importFile('corrupt.json', text, '-q');
    expectError(r, /^discord-dataset: \S+corrupt\.json:3:3: malformed JSON/);
  });

  it('[input] an empty file: exit 2, "the file is empty"', async () => {
    const r = await importFile('empty.json', '', '-q');
    expectError(
      r,
      `${join(dir, 'empty.json')}: the file is empty; expected a DiscordChatExporter JSON export`,
    );
  });

  it('[input] an HTML export: exit 2, says so and how to export JSON', async () => {
    const r = await importFile('channel.html', '<!DOCTYPE html><html></html>', '-q');
    expectError(
      r,
      /^discord-dataset: \S+channel\.html: this is an HTML export, not JSON; export the channel again/,
    );
  });

  it('[input] a JSON array root: exit 2, what an export is', async () => {
    const r = await importFile('array.json', '[{"id":"1"}]', '-q');
    expectError(r, /array\.json: the JSON root is an array; a DiscordChatExporter export is an object/);
  });

  it('[input] "messages" that is not an array: exit 2', async () => {
    const r = await importFile('messages-object.json', '{"channel":{"id":"1"},"messages":{}}', '-q');
    expectError(r, `${join(dir, 'messages-object.json')}: "messages" is not an array`);
  });

  it('[input] an id beyond int64: exit 2, the message and field, not a database error', async () => {
    const r = await importFile(
      'int64.json',
      exportOf('1300', [{ id: '1301', author: ada, content: 'x', replyTo: '18446744073709551616' }]),
      '-q',
    );
    expectError(
      r,
      `${join(dir, 'int64.json')}: message #0 (id 1301): "reference.messageId" 18446744073709551616 is beyond int64 (at most 9223372036854775807)`,
    );
    expect(await rows('id = 1301')).toEqual([]);
  });

  it('[input] a message without an author: exit 2, the message and field', async () => {
    const text = exportOf('1400', [{ id: '1401', author: ada, content: 'x' }]).replace(
      /"author":\{[^}]*\}/,
      '"author":null',
    );
    expectError(
      await importFile('no-author.json', text, '-q'),
      `${join(dir, 'no-author.json')}: message #0 (id 1401): "author" is missing`,
    );
  });

  it('[input] a timestamp that is not a date: exit 2, the message and field', async () => {
    const text = exportOf('1500', [{ id: '1501', author: ada, content: 'x', timestamp: 'yesterday' }]);
    expectError(
      await importFile('bad-time.json', text, '-q'),
      `${join(dir, 'bad-time.json')}: message #0 (id 1501): "timestamp" must be an ISO-8601 date`,
    );
  });

  it('[input] invalid UTF-8: stored as U+FFFD, counted in the report and warned about', async () => {
    const [head, tail] = exportOf('1600', [{ id: '1601', author: ada, content: 'SPLIT' }]).split('SPLIT');
    const bytes = Buffer.concat([
      Buffer.from(`${head}bad `),
      Buffer.from([0xff, 0xfe, 0x20, 0xc3]),
      Buffer.from(` end${tail}`),
    ]);
    const r = await importFile('invalid-utf8.json', bytes, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      status: 'ok',
      counters: { messages: 1, invalid_utf8: 3 },
      facts: {
        warnings: [`${join(dir, 'invalid-utf8.json')}: 3 invalid UTF-8 sequence(s) stored as U+FFFD`],
      },
    });
    const human = await importFile('invalid-utf8-again.json', bytes);
    expect(human.stderr).toContain(
      `warning: ${join(dir, 'invalid-utf8-again.json')}: 3 invalid UTF-8 sequence(s) stored as U+FFFD\n`,
    );
    expect(await rows('id = 1601')).toEqual([
      { id: '1601', content: 'bad \uFFFD\uFFFD \uFFFD end', referenced_message_id: null },
    ]);
  });

  it('[input] a reply to a message the export lacks: stored as it is (prepare makes it a root)', async () => {
    const r = await importFile(
      'dangling.json',
      exportOf('1700', [{ id: '1701', author: ada, content: 'x', replyTo: '1699' }]),
      '-q',
    );
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(await rows('id = 1701')).toEqual([{ id: '1701', content: 'x', referenced_message_id: '1699' }]);
  });

  it('[input] a reply cycle and a self-reply: stored as they are', async () => {
    const r = await importFile(
      'cycle.json',
      exportOf('1800', [
        { id: '1801', author: ada, content: 'a', replyTo: '1802' },
        { id: '1802', author: bob, content: 'b', replyTo: '1801' },
        { id: '1803', author: bob, content: 'self', replyTo: '1803' },
      ]),
      '-q',
    );
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect((await rows('id BETWEEN 1801 AND 1803')).map((m) => m.referenced_message_id)).toEqual([
      '1802',
      '1801',
      '1803',
    ]);
  });

  it('[input] a chain 10,000 deep: every message stored', async () => {
    const chain = Array.from({ length: 10_000 }, (_, i) => ({
      id: String(100_000 + i),
      author: i % 2 === 0 ? ada : bob,
      content: `m${i}`,
      ...(i === 0 ? {} : { replyTo: String(100_000 + i - 1) }),
    }));
    const r = await importFile('deep.json', exportOf('1900', chain), '-q');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(await sql(db.url, 'SELECT count(*)::int AS n FROM messages WHERE channel_id = 1900')).toEqual([
      { n: 10_000 },
    ]);
  });

  it('[input] a 1 MB message: stored intact', async () => {
    const big = 'ü'.repeat(500_000) + '😀';
    const r = await importFile(
      'big.json',
      exportOf('2000', [{ id: '2001', author: ada, content: big }]),
      '-q',
    );
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(await rows('id = 2001')).toEqual([{ id: '2001', content: big, referenced_message_id: null }]);
  });

  it('[input] a message listed twice (in one batch and across batches): stored once, the later copy', async () => {
    const messages = [
      { id: '2101', author: ada, content: 'first' },
      { id: '2102', author: bob, content: 'other' },
      { id: '2101', author: ada, content: 'second' },
      { id: '2103', author: bob, content: 'more' },
      { id: '2101', author: ada, content: 'third' },
    ];
    const r = await importFile('duplicated.json', exportOf('2100', messages), '-q', '--batch-size', '2');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(await rows('channel_id = 2100')).toEqual([
      { id: '2101', content: 'third', referenced_message_id: null },
      { id: '2102', content: 'other', referenced_message_id: null },
      { id: '2103', content: 'more', referenced_message_id: null },
    ]);
  });

  it.each([["it's; DROP TABLE messages; --.json"], ['"Mixed" Case.json'], ['Zoë 🚀 $1.json']])(
    '[names] an export named %j: imported, and named as it is in an error',
    async (name) => {
      const good = await importFile(
        name,
        exportOf('2200', [{ id: '2201', author: ada, content: name }]),
        '-q',
      );
      expect(good).toMatchObject({ code: 0, stderr: '' });
      expect(await rows('id = 2201')).toEqual([{ id: '2201', content: name, referenced_message_id: null }]);
      const bad = await importFile(`bad ${name}`, '', '-q');
      expectError(
        bad,
        `${join(dir, `bad ${name}`)}: the file is empty; expected a DiscordChatExporter JSON export`,
      );
      expect(await sql(db.url, 'SELECT count(*)::int > 0 AS ok FROM messages')).toEqual([{ ok: true }]);
    },
  );

  it('[secrets] a known password appears in no output of a succeeding and a failing import', async () => {
    const secret = 'Kn0wn-Import-pw-314159';
    const name = new URL(db.url).pathname.slice(1);
    await sql(
      db.url,
      `DROP ROLE IF EXISTS import_secret; CREATE ROLE import_secret LOGIN PASSWORD '${secret}'`,
    );
    await sql(db.url, `GRANT SELECT, INSERT, UPDATE ON messages, channels TO import_secret`);
    await sql(db.url, `GRANT CONNECT, TEMPORARY ON DATABASE "${name}" TO import_secret`);
    const url = new URL(db.url);
    url.username = 'import_secret';
    url.password = secret;
    const path = join(dir, 'secret.json');
    await writeFile(path, exportOf('2300', [{ id: '2301', author: ada, content: 'x' }]));
    const outputs: string[] = [];
    for (const [argv, code] of [
      [['import', path, '--db', url.toString(), '--json'], 0],
      [['import', path, '--db', url.toString()], 0],
      [['import', path, '--db', url.toString().replace(`/${name}`, '/no_such_db')], 2],
      [['import', join(dir, 'truncated.json'), '--db', url.toString(), '--json'], 2],
    ] as const) {
      let text = '';
      const io = { write: (s: string) => (text += s) };
      expect(await main(argv, { stdout: io, stderr: io, env: {} })).toBe(code);
      outputs.push(text);
    }
    expect(outputs.join('\n')).toContain('import_secret:***@');
    for (const text of outputs) expect(text).not.toContain(secret);
    await sql(db.url, 'DROP OWNED BY import_secret; DROP ROLE import_secret');
  });
});
