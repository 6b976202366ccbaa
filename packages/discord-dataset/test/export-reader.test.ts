import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExportFormatError, readDiscordExport } from '../src/index.js';
import type { ExportedMessage } from '../src/index.js';
import { newExport, oldExport, tempDir } from './helpers.js';

const dir = await tempDir();

async function readAll(source: Parameters<typeof readDiscordExport>[0]): Promise<ExportedMessage[]> {
  const out: ExportedMessage[] = [];
  for await (const m of readDiscordExport(source)) out.push(m);
  return out;
}

async function failure(name: string, text: string): Promise<ExportFormatError> {
  const path = join(dir, name);
  await writeFile(path, text);
  const error = await readAll(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ExportFormatError);
  return error as ExportFormatError;
}

const author = { id: '80351110224678912', name: 'ada' };

describe('readDiscordExport', () => {
  it('reads newer and older exporter shapes, keeping snowflakes as exact strings', async () => {
    const messages = [
      { id: '1069213455380336711', author, content: 'hello' },
      { id: '1069213455380336712', author, content: 'reply', replyTo: '1069213455380336711' },
    ];
    for (const shape of [newExport('555', messages), oldExport('555', messages)]) {
      const path = join(dir, 'shape.json');
      await writeFile(path, JSON.stringify(shape, null, 2));
      const read = await readAll(path);
      expect(read.map((m) => (m.message as { id: string }).id)).toEqual([
        '1069213455380336711',
        '1069213455380336712',
      ]);
      expect(read[0]!.channel.id).toBe('555');
      expect(read[1]!.index).toBe(1);
    }
  });

  it('keeps numbers as written, so a snowflake written as a number is not rounded', async () => {
    const read = await readAll([
      '{"guild":{"id":"1"},"channel":{"id":"2"},"messages":[{"id":1069213455380336711,"n":1.50}]}',
    ]);
    expect(read[0]!.message).toEqual({ id: '1069213455380336711', n: '1.50' });
  });

  it('streams: the first message comes out before the rest of the input is read', async () => {
    let produced = 0;
    function* chunks(): Generator<string> {
      yield '{"guild":{"id":"1"},"channel":{"id":"2"},"messages":[';
      for (let i = 0; i < 10_000; i++) {
        produced++;
        yield `${i === 0 ? '' : ','}{"id":"${i + 1}","content":"${'x'.repeat(100)}"}`;
      }
      yield ']}';
    }
    const iterator = readDiscordExport(chunks());
    const first = await iterator.next();
    expect((first.value as ExportedMessage).message).toMatchObject({ id: '1' });
    expect(produced).toBeLessThan(10);
    await iterator.return(undefined);
  });

  it('splits multi-byte characters across chunks correctly', async () => {
    const bytes = Buffer.from(
      '{"guild":{"id":"1"},"channel":{"id":"2"},"messages":[{"id":"3","content":"héllo 👩‍💻"}]}',
    );
    const chunks = Array.from(bytes, (b) => Uint8Array.of(b));
    const read = await readAll(chunks);
    expect((read[0]!.message as { content: string }).content).toBe('héllo 👩‍💻');
  });

  it('names the file, line and column of malformed JSON', async () => {
    const error = await failure(
      'broken.json',
      '{\n  "guild": {"id": "1"},\n  "channel": {"id": "2"},\n  "messages": [\n    {"id": "3",, "x": 1}\n  ]\n}\n',
    );
    expect(error.message).toMatch(/broken\.json:5:16: malformed JSON/);
    expect(error.line).toBe(5);
    expect(error.column).toBe(16);
  });

  it('locates an error deep in a file larger than one read chunk', async () => {
    const good = Array.from(
      { length: 3000 },
      (_, i) => `{"id":"${i + 1}","content":"${'y'.repeat(40)}"}`,
    ).join(',\n');
    const error = await failure(
      'deep.json',
      `{"guild":{"id":"1"},"channel":{"id":"2"},"messages":[\n${good},\n{"id":"x" "content":""}]}`,
    );
    expect(error.line).toBe(3002);
    expect(error.column).toBe(11);
  });

  it('says when a file is truncated', async () => {
    const error = await failure(
      'cut.json',
      '{"guild":{"id":"1"},"channel":{"id":"2"},"messages":[{"id":"3","content":"he',
    );
    expect(error.message).toMatch(/cut\.json:1:\d+: malformed JSON/);
  });

  it.each([
    [
      'page.html',
      '<!DOCTYPE html>\n<html><body>...</body></html>',
      /HTML export, not JSON; export the channel again with DiscordChatExporter --format Json/,
    ],
    ['chat.csv', 'AuthorID,Author,Date,Content,Attachments,Reactions\n1,a,2024,hi,,\n', /CSV export/],
    ['chat2.csv', '"AuthorID","Author","Date","Content","Attachments","Reactions"\n', /CSV export/],
    [
      'chat.txt',
      '==============================================================\nGuild: x\n',
      /plain-text export/,
    ],
    ['array.json', '[{"id":"1"}]', /root is an array/],
    ['empty.json', '  \n', /the file is empty/],
    ['nomsg.json', '{"guild":{"id":"1"},"channel":{"id":"2"}}', /no "messages" array/],
    ['late.json', '{"messages":[{"id":"1"}],"channel":{"id":"2"}}', /messages come before the channel/],
    [
      'notobj.json',
      '{"guild":{"id":"1"},"channel":{"id":"2"},"messages":[1]}',
      /message #0 is not an object/,
    ],
  ])('rejects %s with a message that says what it is', async (name, text, pattern) => {
    const error = await failure(name, text);
    expect(error.message).toMatch(pattern);
    expect(error.message.startsWith(join(dir, name))).toBe(true);
  });
});
