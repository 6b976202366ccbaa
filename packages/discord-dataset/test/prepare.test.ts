import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortedError } from '@prepkit/bench-harness/errors';
import { ConnectionError } from '@prepkit/db-cursors';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { OutputExistsError, OutputLocationError, readManifest, verify } from '@prepkit/record-io';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  SchemaError,
  generateToDatabase,
  importExports,
  initDatabase,
  prepareDiscordDataset,
  splitPoint,
  validateJsonl,
} from '../src/index.js';
import type { PrepareOptions, ProgressReporter } from '../src/index.js';
import { insertRows, listDir, newExport, readLines, sha256, sql, tempDir, withPassword } from './helpers.js';
import type { RowSpec } from './helpers.js';

const db = useTestDatabase();
const dir = await tempDir();
let run = 0;

/** Runs prepare into a fresh directory and returns the result with the two files' hashes. */
async function prepare(options: Omit<PrepareOptions, 'db' | 'train' | 'valid'> = {}) {
  const out = join(dir, `run-${run++}`);
  const result = await prepareDiscordDataset({
    db: db.url,
    train: join(out, 'train.jsonl'),
    valid: join(out, 'valid.jsonl'),
    threads: 1,
    ...options,
  });
  return { ...result, out, hashes: [await sha256(result.train.path), await sha256(result.valid.path)] };
}

const GENERATED = [
  '2000000000000000000',
  '2000000000000000001',
  '2000000000000000002',
  '2000000000000000003',
];

beforeAll(async () => {
  await initDatabase(db.url);
  await generateToDatabase({ db: db.url, messages: 3000, channels: 4, seed: 'prepare-tests' });
});

describe('prepareDiscordDataset', () => {
  it('writes byte-identical train and valid files with the naive, cte and copy strategies', async () => {
    const copy = await prepare({ strategy: 'copy', channels: GENERATED, validFraction: 0.2 });
    const cte = await prepare({ strategy: 'cte', channels: GENERATED, validFraction: 0.2 });
    const naive = await prepare({ strategy: 'naive', channels: GENERATED, validFraction: 0.2 });
    expect(copy.train.records).toBeGreaterThan(300);
    expect(copy.valid.records).toBeGreaterThan(30);
    expect(copy.cyclesBroken).toBeGreaterThanOrEqual(3);
    expect(copy.danglingReplies).toBeGreaterThan(0);
    expect(cte.hashes).toEqual(copy.hashes);
    expect(naive.hashes).toEqual(copy.hashes);
    for (const r of [cte, naive]) {
      expect([r.messages, r.threads, r.cyclesBroken, r.danglingReplies]).toEqual([
        copy.messages,
        copy.threads,
        copy.cyclesBroken,
        copy.danglingReplies,
      ]);
    }
    expect(copy.queries).toBe(1);
    expect(naive.queries).toBeGreaterThan(copy.messages);
  });

  it('writes the same bytes with 1 or 2 worker threads and any batch size', async () => {
    const one = await prepare({ channels: GENERATED, threads: 1, batchSize: 1000 });
    const two = await prepare({ channels: GENERATED, threads: 2, parallelMinMessages: 0, batchSize: 7 });
    expect([one.workers, two.workers]).toEqual([1, 2]);
    expect(two.hashes).toEqual(one.hashes);
    const reply = await prepare({
      channels: GENERATED,
      threads: 2,
      parallelMinMessages: 0,
      batchSize: 3,
      examplePer: 'reply',
      format: 'text',
    });
    const replyOne = await prepare({
      channels: GENERATED,
      threads: 1,
      batchSize: 500,
      examplePer: 'reply',
      format: 'text',
    });
    expect(reply.hashes).toEqual(replyOne.hashes);
    expect(reply.train.records).toBeGreaterThan(one.train.records);
  });

  it('writes files every consumer accepts, and a manifest that verifies and holds no password', async () => {
    for (const format of ['messages', 'prompt-completion', 'text'] as const) {
      const r = await prepare({ channels: GENERATED, format, validFraction: 0.3 });
      const report = await validateJsonl([r.train.path, r.valid.path]);
      expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
      expect(report.files[0]!.format).toBe(format);
      expect(r.manifests).toEqual([join(r.out, 'manifest.json')]);
      expect((await verify(r.out)).ok).toBe(true);
      const manifest = await readManifest(r.out);
      expect(manifest.outputs.map((o) => [o.path, o.records])).toEqual([
        ['train.jsonl', r.train.records],
        ['valid.jsonl', r.valid.records],
      ]);
      const password = new URL(db.url).password;
      expect(JSON.stringify(manifest)).not.toContain(password);
    }
  });

  it('keeps whole threads on one side of the split, the same on every run', async () => {
    const rows: RowSpec[] = [];
    for (let t = 0; t < 40; t++) {
      const root = 4_000_000 + t * 10;
      rows.push({ id: String(root), author: '1', content: `thread ${t}`, channel: '84' });
      for (let r = 1; r <= 3; r++)
        rows.push({ id: String(root + r), parent: String(root), author: String(1 + r), channel: '84' });
    }
    await insertRows(db.url, rows);
    const options = { channels: ['84'], validFraction: 0.5, seed: 's1', speakerNames: 'none' as const };
    const a = await prepare(options);
    expect(a.train.records + a.valid.records).toBe(120);
    expect((await prepare(options)).hashes).toEqual(a.hashes);
    expect((await prepare({ ...options, seed: 's2' })).hashes).not.toEqual(a.hashes);
    const threads = async (path: string) =>
      new Set(
        ((await readLines(path)) as { messages: { content: string }[] }[]).map((l) => l.messages[0]!.content),
      );
    const train = await threads(a.train.path);
    const valid = await threads(a.valid.path);
    expect(train.size).toBeGreaterThan(5);
    expect(valid.size).toBeGreaterThan(5);
    for (const thread of valid) expect(train.has(thread)).toBe(false);
  });

  it('sends at least one thread with examples to valid, whatever strategy, threads or batch size', async () => {
    // As on most servers: 40 messages nobody replied to, two conversations, and a self-reply that
    // merges into one turn (no example). With a fraction of 0.3 the hash alone often sends neither
    // conversation to valid.
    const rows: RowSpec[] = [];
    for (let t = 0; t < 40; t++)
      rows.push({ id: String(9_000_000 + t), author: String(1 + (t % 5)), channel: '85' });
    const thread = (root: number, authors: string[], name: string) =>
      authors.forEach((author, i) =>
        rows.push({
          id: String(root + i),
          parent: i === 0 ? null : String(root + i - 1),
          author,
          content: i === 0 ? name : `${name} reply ${i}`,
          channel: '85',
        }),
      );
    thread(9_100_000, ['1', '2', '3'], 'thread A');
    thread(9_200_000, ['2', '3', '4'], 'thread B');
    thread(9_300_000, ['4', '4'], 'thread C');
    await insertRows(db.url, rows);
    const point = (seed: string, root: number) => splitPoint(seed, String(root));
    // A seed where no thread falls below 0.3 and the one without examples (C) has the smallest point.
    let seed = '';
    for (let i = 0; seed === ''; i++) {
      const [a, b, c] = [9_100_000, 9_200_000, 9_300_000].map((root) => point(`s${i}`, root)) as [
        number,
        number,
        number,
      ];
      if (Math.min(a, b, c) >= 0.3 && c < a && c < b) seed = `s${i}`;
    }
    const expected = point(seed, 9_100_000) < point(seed, 9_200_000) ? 'thread A' : 'thread B';
    const options = { channels: ['85'], validFraction: 0.3, seed, speakerNames: 'none' as const };
    const copy = await prepare(options);
    expect([copy.train.records, copy.valid.records]).toEqual([1, 1]);
    const valid = (await readLines(copy.valid.path)) as { messages: { content: string }[] }[];
    expect(valid[0]!.messages[0]!.content).toMatch(new RegExp(`^${expected}\n`));
    expect(copy.warnings).toEqual([]);
    const naive = await prepare({
      ...options,
      strategy: 'naive',
      threads: 2,
      parallelMinMessages: 0,
      batchSize: 1,
    });
    expect(naive.hashes).toEqual(copy.hashes);
    // Nothing is forced at a fraction of 0.
    const none = await prepare({ ...options, validFraction: 0 });
    expect([none.train.records, none.valid.records]).toEqual([2, 0]);
  });

  it('turns reply cycles and dangling replies into roots, counted', async () => {
    const rows: RowSpec[] = [
      { id: '5000001', parent: '5000001', author: '1', content: 'I reply to myself' },
      { id: '5000002', parent: '5000001', author: '2', content: 'answer to the self-reply' },
      { id: '5000010', parent: '5000011', author: '1', content: 'cycle a' },
      { id: '5000011', parent: '5000010', author: '2', content: 'cycle b' },
      { id: '5000020', parent: '4999999', author: '1', content: 'reply to a deleted message' },
      { id: '5000021', parent: '5000020', author: '2', content: 'and its answer' },
    ].map((r) => ({ ...r, channel: '78' }));
    await insertRows(db.url, rows);
    for (const strategy of ['naive', 'cte', 'copy'] as const) {
      const r = await prepare({ strategy, channels: ['78'], validFraction: 0, speakerNames: 'none' });
      expect([r.messages, r.threads, r.cyclesBroken, r.danglingReplies]).toEqual([6, 3, 2, 1]);
      expect(await readLines(r.train.path)).toEqual([
        {
          messages: [
            { role: 'user', content: 'I reply to myself' },
            { role: 'assistant', content: 'answer to the self-reply' },
          ],
        },
        {
          messages: [
            { role: 'user', content: 'cycle a' },
            { role: 'assistant', content: 'cycle b' },
          ],
        },
        {
          messages: [
            { role: 'user', content: 'reply to a deleted message' },
            { role: 'assistant', content: 'and its answer' },
          ],
        },
      ]);
    }
  });

  it('follows a chain 10,000 deep with every strategy', async () => {
    const rows: RowSpec[] = [];
    for (let i = 0; i < 10_000; i++) {
      rows.push({
        id: String(6_000_000 + i),
        parent: i === 0 ? null : String(6_000_000 + i - 1),
        author: String(1 + (i % 2)),
        channel: '79',
      });
    }
    await insertRows(db.url, rows);
    const results = [];
    for (const strategy of ['copy', 'cte', 'naive'] as const) {
      results.push(await prepare({ strategy, channels: ['79'], validFraction: 0 }));
    }
    const lines = (await readLines(results[0]!.train.path)) as { messages: unknown[] }[];
    expect(lines).toHaveLength(1);
    expect(lines[0]!.messages).toHaveLength(10_000);
    for (const r of results) expect(r.hashes).toEqual(results[0]!.hashes);
    const capped = await prepare({ channels: ['79'], validFraction: 0, maxTurns: 6 });
    expect(((await readLines(capped.train.path)) as { messages: unknown[] }[])[0]!.messages).toHaveLength(6);
  });

  it('writes a 1 MB message intact', async () => {
    const big = `${'x'.repeat(500_000)}\n"quoted"\t${'é'.repeat(250_000)}`;
    await insertRows(db.url, [
      { id: '7000001', author: '1', content: 'please paste the log', channel: '80' },
      { id: '7000002', parent: '7000001', author: '2', content: big, channel: '80' },
    ]);
    const r = await prepare({ channels: ['80'], validFraction: 0 });
    const [line] = (await readLines(r.train.path)) as { messages: { content: string }[] }[];
    expect(line!.messages[1]!.content).toBe(big);
    expect(r.train.bytes).toBeGreaterThan(1_000_000);
  });

  it('writes content with invalid surrogates in the export as valid UTF-8 (U+FFFD)', async () => {
    const path = join(dir, 'surrogates.json');
    const exported = JSON.stringify(
      newExport('81', [
        { id: '7100001', author: { id: '1', name: 'ann' }, content: 'broken PLACEHOLDER emoji' },
        { id: '7100002', author: { id: '2', name: 'bo' }, content: 'reply', replyTo: '7100001' },
      ]),
    ).replace('PLACEHOLDER', '\\ud83d');
    await writeFile(path, exported);
    await importExports({ db: db.url, files: [path] });
    const r = await prepare({ channels: ['81'], validFraction: 0 });
    const bytes = await readFile(r.train.path);
    expect(Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes)).toBe(true);
    expect(bytes.toString('utf8')).toContain('ann: broken \uFFFD emoji');
  });

  it('selects by channel, time, bots and assistant author', async () => {
    await insertRows(db.url, [
      { id: '8000001', author: '1', name: 'ann', content: 'q1', channel: '82', at: '2024-03-01T00:00:00Z' },
      {
        id: '8000002',
        parent: '8000001',
        author: '9',
        name: 'robot',
        bot: true,
        content: 'beep',
        channel: '82',
        at: '2024-03-01T00:01:00Z',
      },
      {
        id: '8000003',
        parent: '8000002',
        author: '2',
        name: 'bo',
        content: 'a1',
        channel: '82',
        at: '2024-03-01T00:02:00Z',
      },
      { id: '8000004', author: '1', name: 'ann', content: 'q2', channel: '82', at: '2024-04-01T00:00:00Z' },
      {
        id: '8000005',
        parent: '8000004',
        author: '3',
        name: 'cy',
        nickname: 'Cyrus',
        content: 'a2 <@1>',
        channel: '82',
        at: '2024-04-01T00:01:00Z',
      },
    ]);
    const contents = async (options: Omit<PrepareOptions, 'db' | 'train' | 'valid'>) => {
      const r = await prepare({ channels: ['82'], validFraction: 0, ...options });
      return ((await readLines(r.train.path)) as { messages: { content: string }[] }[]).map((l) =>
        l.messages.map((m) => m.content),
      );
    };
    expect(await contents({})).toEqual([
      ['ann: q1', 'a1'],
      ['ann: q2', 'a2 @ann'],
    ]);
    expect(await contents({ includeBots: true })).toEqual([
      ['ann: q1\nrobot: beep', 'a1'],
      ['ann: q2', 'a2 @ann'],
    ]);
    expect(await contents({ since: '2024-03-15' })).toEqual([['ann: q2', 'a2 @ann']]);
    expect(await contents({ until: new Date('2024-03-15') })).toEqual([['ann: q1', 'a1']]);
    expect(await contents({ assistantAuthor: 'Cyrus' })).toEqual([['ann: q2', 'a2 @ann']]);
    expect(await contents({ assistantAuthor: '2' })).toEqual([['ann: q1', 'a1']]);
    expect(await contents({ channels: ['83'] })).toEqual([]);
  });

  it('leaves no complete-looking output when interrupted while writing', async () => {
    const out = join(dir, 'interrupted');
    const controller = new AbortController();
    const reporter: ProgressReporter = {
      phase: (name, body) =>
        Promise.resolve(
          body({
            setTotal() {},
            advance() {
              if (name === 'format+write') controller.abort(new Error('Ctrl-C'));
            },
            count() {},
          }),
        ),
    };
    const error = await prepareDiscordDataset({
      db: db.url,
      train: join(out, 'train.jsonl'),
      valid: join(out, 'valid.jsonl'),
      channels: GENERATED,
      threads: 2,
      parallelMinMessages: 0,
      batchSize: 10,
      reporter,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect(await listDir(out)).toEqual([]);
  });

  it('names a missing table or column and points to init-db', async () => {
    await sql(db.url, 'ALTER TABLE messages RENAME COLUMN author_nickname TO nick');
    try {
      const error = await prepare().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SchemaError);
      expect((error as Error).message).toBe(
        'the database has no column messages.author_nickname; create the schema with `discord-dataset init-db --db <url>` (or psql -f sql_scripts/discord_schema.sql)',
      );
    } finally {
      await sql(db.url, 'ALTER TABLE messages RENAME COLUMN nick TO author_nickname');
    }
    await sql(db.url, 'ALTER TABLE messages RENAME TO messages_away');
    try {
      await expect(prepare()).rejects.toThrow(/no table "messages".*init-db/);
    } finally {
      await sql(db.url, 'ALTER TABLE messages_away RENAME TO messages');
    }
  });

  it('reports a wrong password in one line without the password', async () => {
    const url = withPassword(db.url, 'not-the-password-42');
    const error = await prepareDiscordDataset({
      db: url,
      train: join(dir, 'x.jsonl'),
      valid: join(dir, 'y.jsonl'),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    const message = (error as Error).message;
    expect(message).not.toContain('not-the-password-42');
    expect(message).not.toContain('\n');
    expect(message).toMatch(
      /^prepare: cannot connect to postgresql:\/\/[^:/]+:\*\*\*@\S+: password authentication failed/,
    );
  });

  it("writes an output set: removes dead runs' temporaries, keeps a complete output unless --overwrite", async () => {
    const out = join(dir, 'output-set');
    const options = {
      db: db.url,
      train: join(out, 'train.jsonl'),
      valid: join(out, 'valid.jsonl'),
      channels: GENERATED,
      threads: 1,
    };
    await mkdir(out, { recursive: true });
    // What a SIGKILLed run leaves: a temporary whose process (pid 999999999 cannot exist) is gone.
    await writeFile(join(out, '.train.jsonl.tmp-999999999-0a1b2c'), 'half a file');
    await writeFile(join(out, 'valid.jsonl'), 'a leftover without a manifest');
    const first = await prepareDiscordDataset(options);
    expect(await listDir(out)).toEqual(['manifest.json', 'train.jsonl', 'valid.jsonl']);
    expect((await verify(out)).ok).toBe(true);
    const hashes = [await sha256(first.train.path), await sha256(first.valid.path)];

    const refused = await prepareDiscordDataset(options).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OutputExistsError);
    expect((refused as Error).message).toMatch(/train\.jsonl exists; pass --overwrite to replace it/);
    expect((await verify(out)).ok).toBe(true);

    await prepareDiscordDataset({ ...options, overwrite: true });
    expect([await sha256(first.train.path), await sha256(first.valid.path)]).toEqual(hashes);
    expect((await verify(out)).ok).toBe(true);
  });

  it('names a file standing where the output directory must be', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a directory');
    const error = await prepareDiscordDataset({
      db: db.url,
      train: join(file, 'train.jsonl'),
      valid: join(file, 'valid.jsonl'),
      channels: GENERATED,
      threads: 1,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputLocationError);
    expect((error as Error).message).toBe(`${file}: a file stands where a directory is needed`);

    const out = join(dir, 'a-directory-as-train');
    await mkdir(join(out, 'train.jsonl'), { recursive: true });
    const reverse = await prepareDiscordDataset({
      db: db.url,
      train: join(out, 'train.jsonl'),
      valid: join(out, 'valid.jsonl'),
      channels: GENERATED,
      threads: 1,
    }).catch((e: unknown) => e);
    expect(reverse).toBeInstanceOf(OutputLocationError);
    expect((reverse as Error).message).toBe(`${join(out, 'train.jsonl')}: is a directory, not a file`);
    expect(await listDir(out)).toEqual(['train.jsonl']);
  });
});
