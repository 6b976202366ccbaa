import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { shardOf } from '@prepkit/record-io';
import { readManifest, verify } from '@prepkit/record-io';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import {
  generateToDatabase,
  initDatabase,
  mergeShards,
  planDiscordShards,
  prepareDiscordDataset,
  shardPath,
  sqlShardOf,
} from '../src/index.js';
import type { PrepareOptions } from '../src/index.js';
import { insertRows, sha256, sql, tempDir } from './helpers.js';
import type { RowSpec } from './helpers.js';

const db = useTestDatabase();
const dir = await tempDir();
let run = 0;

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: {},
  });
  return { code, stdout, stderr };
}

type Shape = Omit<PrepareOptions, 'db' | 'train' | 'valid'>;

async function prepareInto(out: string, options: Shape) {
  return prepareDiscordDataset({
    db: db.url,
    train: join(out, 'train.jsonl'),
    valid: join(out, 'valid.jsonl'),
    threads: 1,
    ...options,
  });
}

const SPLITS = ['train', 'valid'] as const;

beforeAll(async () => {
  await initDatabase(db.url);
  await generateToDatabase({ db: db.url, messages: 3000, channels: 4, seed: 'shard-tests' });
  // Mentions that the message's own list does not name (the name comes from the author's latest message,
  // in another thread), and a reply cycle, in channel 77.
  const rows: RowSpec[] = [];
  for (let t = 0; t < 30; t++) {
    const root = 7_000_000 + t * 10;
    rows.push({
      id: String(root),
      author: String(100 + (t % 5)),
      content: `q${t} <@${100 + ((t + 1) % 5)}>`,
      channel: '77',
    });
    rows.push({
      id: String(root + 1),
      parent: String(root),
      author: String(100 + ((t + 2) % 5)),
      content: `a${t}`,
      channel: '77',
    });
    rows.push({
      id: String(root + 2),
      parent: String(root + 1),
      author: String(100 + ((t + 3) % 5)),
      nickname: `nick${t}`,
      content: `b${t} <@!${100 + (t % 5)}>`,
      channel: '77',
    });
  }
  rows.push({ id: '7100000', parent: '7100001', author: '101', content: 'cycle a', channel: '77' });
  rows.push({ id: '7100001', parent: '7100000', author: '102', content: 'cycle b', channel: '77' });
  rows.push({ id: '7100002', parent: '7100001', author: '103', content: 'cycle c', channel: '77' });
  await insertRows(db.url, rows);
});

describe('shards', () => {
  it("PostgreSQL's form of shardOf over a root id's text is record-io's shardOf of the same string", async () => {
    const rows = await sql<{ id: string; shard: string }>(
      db.url,
      `SELECT m.id::text AS id, ${sqlShardOf('m.id', '$1::bigint')} AS shard FROM messages m ORDER BY m.id LIMIT 2000`,
      [7],
    );
    expect(rows.length).toBeGreaterThan(1000);
    for (const row of rows) expect(Number(row.shard)).toBe(shardOf(row.id, 7));
  });

  const shapes: [string, Shape][] = [
    ['defaults with a valid fraction of 0.2', { validFraction: 0.2 }],
    ['a tiny valid fraction (the guaranteed validation thread)', { validFraction: 0.0001 }],
    ['one example per reply, text, --max-chars', { examplePer: 'reply', format: 'text', maxChars: 300 }],
    ['channel 77 only (mentions resolved by latest name, a cycle)', { channels: ['77'], validFraction: 0.3 }],
    [
      'an assistant author of a few threads and a tiny valid fraction (the plan reads candidates in growing batches)',
      { assistantAuthor: '101', validFraction: 0.0001 },
    ],
  ];

  it.each(shapes)(
    '%s: --shard i/n gives file i of --shards n, and merge gives the one-file bytes',
    async (_, shape) => {
      const n = 3;
      const base = join(dir, `shape-${run++}`);
      const one = await prepareInto(join(base, 'one'), shape);
      const all = await prepareInto(join(base, 'all'), { ...shape, shards: n });
      expect(all.train.records).toBe(one.train.records);
      expect(all.valid.records).toBe(one.valid.records);
      expect(all.messages).toBe(one.messages);
      expect((await verify(join(base, 'all'))).ok).toBe(true);
      if (shape.validFraction === 0.0001) expect(one.valid.records).toBeGreaterThan(0);
      expect(one.train.records).toBeGreaterThan(0);
      const plan = await planDiscordShards({
        db: db.url,
        train: 'x.jsonl',
        valid: 'y.jsonl',
        ...shape,
        shards: n,
      });
      // A tiny fraction leaves valid empty by the hash alone: the plan picks the thread the whole run picks.
      if (shape.validFraction === 0.0001) expect(plan.validRoot).not.toBeNull();
      const totals = { messages: 0, threads: 0, cycles: 0, dangling: 0 };
      for (let i = 0; i < n; i++) {
        // Half the shards compute the plan themselves, half get it: the same bytes.
        const part = await prepareInto(join(base, 'parts'), {
          ...shape,
          shard: { index: i, count: n },
          ...(i % 2 === 0 ? { plan } : {}),
        });
        totals.messages += part.messages;
        totals.threads += part.threads;
        totals.cycles += part.cyclesBroken;
        totals.dangling += part.danglingReplies;
        expect(part.manifests).toEqual([]);
        for (const split of SPLITS) {
          const file = shardPath(join(base, 'parts', `${split}.jsonl`), i, n);
          const same = shardPath(join(base, 'all', `${split}.jsonl`), i, n);
          expect(await sha256(file)).toBe(await sha256(same));
          expect(await sha256(`${file}.roots`)).toBe(await sha256(`${same}.roots`));
        }
      }
      expect(totals).toEqual({
        messages: one.messages,
        threads: one.threads,
        cycles: one.cyclesBroken,
        dangling: one.danglingReplies,
      });
      expect(existsSync(join(base, 'parts', 'manifest.json'))).toBe(false);
      const merged = await cli('merge', join(base, 'parts'), '--shards', String(n), '--remove-shards', '-q');
      expect(merged).toMatchObject({ code: 0, stderr: '' });
      for (const split of SPLITS) {
        expect(await sha256(join(base, 'parts', `${split}.jsonl`))).toBe(
          await sha256(join(base, 'one', `${split}.jsonl`)),
        );
        expect(existsSync(shardPath(join(base, 'parts', `${split}.jsonl`), 0, n))).toBe(false);
      }
      expect((await verify(join(base, 'parts'))).ok).toBe(true);
      // The shards of one --shards run merge to the same bytes too, keeping its manifest's config and inputs.
      const again = await mergeShards({
        train: join(base, 'all', 'train.jsonl'),
        valid: join(base, 'all', 'valid.jsonl'),
        shards: n,
      });
      expect(again.train.records).toBe(one.train.records);
      expect(await sha256(join(base, 'all', 'valid.jsonl'))).toBe(
        await sha256(join(base, 'one', 'valid.jsonl')),
      );
      const manifest = await readManifest(join(base, 'all'));
      expect(manifest.outputs.map((o) => o.path)).toEqual(['train.jsonl', 'valid.jsonl']);
      expect(manifest.inputs).toEqual((await readManifest(join(base, 'one'))).inputs);
    },
  );

  it('with --shards 1 the files and their names are the unsharded ones', async () => {
    const out = join(dir, 'single');
    const result = await prepareInto(out, { shards: 1 });
    expect(result.files.map((f) => f.path)).toEqual([join(out, 'train.jsonl'), join(out, 'valid.jsonl')]);
    expect(result.files.every((f) => f.roots === undefined)).toBe(true);
  });

  it('a --shard run leaves the other shards and their manifest-less files alone, and refuses a listed file', async () => {
    const out = join(dir, 'partial');
    await prepareInto(out, { shards: 2 });
    const other = await readFile(shardPath(join(out, 'train.jsonl'), 1, 2));
    // The --shards run's manifest lists shard 0's files: replacing them needs --overwrite.
    await expect(prepareInto(out, { shard: { index: 0, count: 2 } })).rejects.toThrow(
      /exists; pass --overwrite/,
    );
    await prepareInto(out, { shard: { index: 0, count: 2 }, overwrite: true });
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
    expect(await readFile(shardPath(join(out, 'train.jsonl'), 1, 2))).toEqual(other);
  });

  it('merge names a missing shard file (exit 2, one line) and writes nothing', async () => {
    const out = join(dir, 'missing');
    await prepareInto(out, { shards: 3 });
    await rm(shardPath(join(out, 'valid.jsonl'), 2, 3));
    const result = await cli('merge', out, '--shards', '3');
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`${shardPath(join(out, 'valid.jsonl'), 2, 3)}: missing`);
    expect(existsSync(join(out, 'train.jsonl'))).toBe(false);
    const short = await cli('merge', out, '--shards', '2');
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('train-00000-of-00002.jsonl: missing');
  });

  it('merge names a shard file that does not match its root index', async () => {
    const out = join(dir, 'corrupt');
    await prepareInto(out, { shards: 2 });
    const file = shardPath(join(out, 'train.jsonl'), 1, 2);
    const text = await readFile(file, 'utf8');
    await rm(file);
    await import('node:fs/promises').then((fs) => fs.writeFile(file, text.slice(0, text.indexOf('\n') + 1)));
    const result = await cli('merge', out, '--shards', '2', '--overwrite');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /train-00001-of-00002\.jsonl: ends \d+ line\(s\) short of what .*\.roots:\d+ lists/,
    );
  });

  it.each([['3/3'], ['x'], ['0/0'], ['-1/2'], ['1/2/3']])(
    '--shard %s is a usage error (exit 2)',
    async (value) => {
      const result = await cli(
        'prepare',
        '--db',
        db.url,
        join(dir, 't.jsonl'),
        join(dir, 'v.jsonl'),
        '--shard',
        value,
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--shard/);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    },
  );

  it('--shard and --shards must agree', async () => {
    const result = await cli(
      'prepare',
      '--db',
      db.url,
      't.jsonl',
      'v.jsonl',
      '--shard',
      '1/3',
      '--shards',
      '4',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--shard 1/3 and --shards 4 disagree');
  });
});
