import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ExportFormatError,
  ReadOnlyDatabaseError,
  SchemaError,
  importExports,
  initDatabase,
} from '../src/index.js';
import { newExport, oldExport, sql, tempDir } from './helpers.js';

const db = useTestDatabase();
const dir = await tempDir();

const ada = { id: '80351110224678912', name: 'ada', nickname: 'Ada L.' };
const bob = { id: '80351110224678913', name: 'bob' };
const bot = { id: '80351110224678914', name: 'helper', isBot: true };

beforeAll(async () => {
  await initDatabase(db.url);
});

async function write(name: string, value: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(value));
  return path;
}

describe('importExports', () => {
  it('imports a newer export: ids, names, bots, replies, types and mentions as exported', async () => {
    const path = await write(
      'new.json',
      newExport('1000000000000000100', [
        {
          id: '1069213455380336711',
          author: ada,
          content: 'hi <@80351110224678913>',
          mentions: [{ id: bob.id, name: 'bob' }],
        },
        { id: '1069213455380336712', author: bob, content: 'hello', replyTo: '1069213455380336711' },
        { id: '1069213455380336713', author: bot, content: 'beep', replyTo: '1069213455380336799' },
        { id: '1069213455380336714', author: bob, content: '', type: 'GuildMemberJoin' },
      ]),
    );
    const result = await importExports({ db: db.url, files: [path] });
    expect(result.messages).toBe(4);
    expect(result.files).toEqual([
      { name: path, channelId: '1000000000000000100', messages: 4, invalidUtf8: 0 },
    ]);
    const rows = await sql(
      db.url,
      `SELECT id::text, channel_id::text, guild_id::text, author_id::text, author_name, author_nickname, is_bot,
              content, type, referenced_message_id::text AS ref, mentions, created_at
         FROM messages WHERE channel_id = 1000000000000000100 ORDER BY id`,
    );
    expect(rows.map((r) => [r.id, r.author_name, r.author_nickname, r.is_bot, r.type, r.ref])).toEqual([
      ['1069213455380336711', 'ada', 'Ada L.', false, 'Default', null],
      ['1069213455380336712', 'bob', 'bob', false, 'Reply', '1069213455380336711'],
      ['1069213455380336713', 'helper', 'helper', true, 'Reply', '1069213455380336799'],
      ['1069213455380336714', 'bob', 'bob', false, 'GuildMemberJoin', null],
    ]);
    expect(rows[0]!.guild_id).toBe('900000000000000001');
    expect(rows[0]!.mentions).toEqual([expect.objectContaining({ id: bob.id, name: 'bob' })]);
    expect((rows[0]!.created_at as Date).toISOString()).toBe('2024-01-01T00:00:00.000Z');
    const channels = await sql(
      db.url,
      `SELECT name, guild_name FROM channels WHERE id = 1000000000000000100`,
    );
    expect(channels).toEqual([{ name: 'general', guild_name: 'Test Guild' }]);
  });

  it('imports an older export (Default replies with untyped references, no nickname)', async () => {
    const path = await write(
      'old.json',
      oldExport('1000000000000000200', [
        { id: '700000000000000001', author: ada, content: 'question' },
        { id: '700000000000000002', author: bob, content: 'answer', replyTo: '700000000000000001' },
      ]),
    );
    await importExports({ db: db.url, files: [path] });
    const rows = await sql(
      db.url,
      `SELECT id::text, type, referenced_message_id::text AS ref, author_nickname FROM messages
        WHERE channel_id = 1000000000000000200 ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: '700000000000000001', type: 'Default', ref: null, author_nickname: null },
      { id: '700000000000000002', type: 'Default', ref: '700000000000000001', author_nickname: null },
    ]);
  });

  it('is idempotent: a re-import updates rows (an edit) and never duplicates them', async () => {
    const messages = [
      { id: '710000000000000001', author: ada, content: 'first' },
      { id: '710000000000000002', author: bob, content: 'second', replyTo: '710000000000000001' },
    ];
    const first = await write('again.json', newExport('1000000000000000300', messages));
    await importExports({ db: db.url, files: [first, first] });
    const edited = await write(
      'edited.json',
      newExport('1000000000000000300', [messages[0]!, { ...messages[1]!, content: 'second (edited)' }]),
    );
    await importExports({ db: db.url, files: [edited] });
    const rows = await sql(
      db.url,
      `SELECT id::text, content FROM messages WHERE channel_id = 1000000000000000300 ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: '710000000000000001', content: 'first' },
      { id: '710000000000000002', content: 'second (edited)' },
    ]);
  });

  it('handles a message listed twice in one batch (ON CONFLICT cannot touch a row twice)', async () => {
    const m = { id: '720000000000000001', author: ada, content: 'dup' };
    const path = await write('dup.json', newExport('1000000000000000400', [m, { ...m, content: 'dup 2' }]));
    await importExports({ db: db.url, files: [path] });
    expect(await sql(db.url, `SELECT content FROM messages WHERE id = 720000000000000001`)).toEqual([
      { content: 'dup 2' },
    ]);
  });

  it('stores lone surrogates and NUL characters as U+FFFD instead of failing', async () => {
    const text =
      '{"guild":{"id":"1"},"channel":{"id":"1000000000000000500"},"messages":[' +
      '{"id":"730000000000000001","type":"Default","timestamp":"2024-01-01T00:00:00+00:00","content":"half \\ud83d emoji and \\u0000 nul",' +
      '"author":{"id":"5","name":"x\\udc00"},"mentions":[{"id":"6","name":"\\ud800"}]}]}';
    const path = join(dir, 'surrogates.json');
    await writeFile(path, text);
    await importExports({ db: db.url, files: [path] });
    const rows = await sql(
      db.url,
      `SELECT content, author_name, mentions FROM messages WHERE id = 730000000000000001`,
    );
    expect(rows).toEqual([
      {
        content: 'half \uFFFD emoji and \uFFFD nul',
        author_name: 'x\uFFFD',
        mentions: [{ id: '6', name: '\uFFFD' }],
      },
    ]);
  });

  it('streams a large export: batches are committed while the export is still being read', async () => {
    const total = 40_000;
    let produced = 0;
    let producedAtFirstCommit = -1;
    function* source(): Generator<string> {
      yield '{"guild":{"id":"1","name":"g"},"channel":{"id":"1000000000000000600","name":"big"},"messages":[';
      for (let i = 0; i < total; i += 1000) {
        let chunk = '';
        for (let j = i; j < i + 1000; j++) {
          produced++;
          chunk +=
            `${j === 0 ? '' : ','}{"id":"${800000000000000000n + BigInt(j)}","type":"Default","timestamp":"2024-02-01T00:00:00+00:00",` +
            `"content":"message ${j} ${'z'.repeat(200)}","author":{"id":"${(j % 50) + 1}","name":"u${j % 50}","isBot":false},"mentions":[]}`;
        }
        yield chunk;
      }
      yield '],"messageCount":40000}';
    }
    const result = await importExports({
      db: db.url,
      files: [{ name: 'big.json', source: source() }],
      batchSize: 2000,
      onCommit: () => {
        if (producedAtFirstCommit < 0) producedAtFirstCommit = produced;
      },
    });
    expect(result.messages).toBe(total);
    expect(producedAtFirstCommit).toBeGreaterThan(0);
    expect(producedAtFirstCommit).toBeLessThan(total / 2);
    expect(
      await sql(db.url, `SELECT count(*)::int AS n FROM messages WHERE channel_id = 1000000000000000600`),
    ).toEqual([{ n: total }]);
  });

  it('rejects a bad message with the file, its index and id', async () => {
    const path = await write(
      'bad.json',
      newExport('1000000000000000700', [{ id: 'abc', author: ada, content: 'x' }]),
    );
    await expect(importExports({ db: db.url, files: [path] })).rejects.toThrow(
      new ExportFormatError(path, 'message #0 (id abc): "id" must be a snowflake string'),
    );
    const noTime = await write('notime.json', {
      channel: { id: '1' },
      messages: [{ id: '1', author: ada, content: 'x', timestamp: 'yesterday' }],
    });
    await expect(importExports({ db: db.url, files: [noTime] })).rejects.toThrow(
      /notime\.json: message #0 \(id 1\): "timestamp" must be an ISO-8601 date/,
    );
  });

  it('says which table is missing and to run init-db', async () => {
    const path = await write('one.json', newExport('1', [{ id: '1', author: ada, content: 'x' }]));
    await sql(db.url, 'ALTER TABLE channels RENAME TO channels_away');
    try {
      const error = await importExports({ db: db.url, files: [path] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SchemaError);
      expect((error as Error).message).toMatch(/no table "channels".*discord-dataset init-db --db <url>/);
    } finally {
      await sql(db.url, 'ALTER TABLE channels_away RENAME TO channels');
    }
  });

  it('names the file, message and field of an id beyond int64 (exit 2, not a database error)', async () => {
    const huge = '99999999999999999999';
    const cases: [string, unknown, string][] = [
      ['id', newExport('1000000000000000800', [{ id: huge, author: ada, content: 'x' }]), 'id'],
      [
        'author',
        newExport('1000000000000000800', [{ id: '1', author: { id: huge, name: 'z' }, content: 'x' }]),
        'author.id',
      ],
      [
        'reply',
        newExport('1000000000000000800', [{ id: '1', author: ada, content: 'x', replyTo: huge }]),
        'reference.messageId',
      ],
      ['channel', newExport(huge, [{ id: '1', author: ada, content: 'x' }]), 'channel.id'],
    ];
    for (const [name, value, field] of cases) {
      const path = await write(`int64-${name}.json`, value);
      const error = await importExports({ db: db.url, files: [path] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExportFormatError);
      expect((error as Error).message).toBe(
        `${path}: message #0 (id ${name === 'id' ? huge : '1'}): "${field}" ${huge} is beyond int64 (at most 9223372036854775807)`,
      );
    }
    // int64's maximum itself is a valid id.
    const max = await write(
      'int64-max.json',
      newExport('1000000000000000800', [{ id: '9223372036854775807', author: ada, content: 'x' }]),
    );
    await expect(importExports({ db: db.url, files: [max] })).resolves.toMatchObject({ messages: 1 });
  });

  it('counts invalid UTF-8 in an export, stored as U+FFFD', async () => {
    const head = Buffer.from(
      '{"guild":{"id":"1"},"channel":{"id":"1000000000000000900"},"messages":[' +
        '{"id":"740000000000000001","type":"Default","timestamp":"2024-01-01T00:00:00+00:00","content":"bad ',
    );
    // A lone continuation byte, a cut 3-byte sequence, an overlong 2-byte one (2 replacements), and a real U+FFFD.
    const bad = Buffer.from([0x80, 0x20, 0xe2, 0x82, 0x20, 0xc0, 0xaf, 0x20, 0xef, 0xbf, 0xbd]);
    const tail = Buffer.from('","author":{"id":"5","name":"x"}}]}');
    const path = join(dir, 'invalid-utf8.json');
    await writeFile(path, Buffer.concat([head, bad, tail]));
    const result = await importExports({ db: db.url, files: [path] });
    expect(result.invalidUtf8).toBe(4);
    expect(result.files[0]!.invalidUtf8).toBe(4);
    expect(await sql(db.url, `SELECT content FROM messages WHERE id = 740000000000000001`)).toEqual([
      { content: 'bad \uFFFD \uFFFD \uFFFD\uFFFD \uFFFD' },
    ]);
  });

  it('says the database is read-only, or the role may not write, naming the table', async () => {
    const path = await write('ro.json', newExport('1', [{ id: '1', author: ada, content: 'x' }]));
    const name = new URL(db.url).pathname.slice(1);
    await sql(db.url, `ALTER DATABASE "${name}" SET default_transaction_read_only = on`);
    try {
      const error = await importExports({ db: db.url, files: [path] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ReadOnlyDatabaseError);
      expect((error as Error).message).toBe(
        'cannot write to table messages: the database is read-only (transaction_read_only is on)',
      );
    } finally {
      await sql(
        db.url,
        `BEGIN READ WRITE; ALTER DATABASE "${name}" RESET default_transaction_read_only; COMMIT`,
      );
    }
    await sql(db.url, `DROP ROLE IF EXISTS reader; CREATE ROLE reader LOGIN PASSWORD 'reader-pw'`);
    await sql(db.url, 'GRANT SELECT ON messages, channels TO reader');
    const reader = new URL(db.url);
    reader.username = 'reader';
    reader.password = 'reader-pw';
    const error = await importExports({ db: reader.toString(), files: [path] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReadOnlyDatabaseError);
    expect((error as Error).message).toBe(
      'cannot write to table messages: role "reader" lacks the INSERT and UPDATE privilege',
    );
  });
});
