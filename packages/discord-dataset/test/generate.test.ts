import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ReadOnlyDatabaseError,
  generateMessages,
  generateToDatabase,
  initDatabase,
  readSqlScript,
  sqlScriptPath,
} from '../src/index.js';
import type { GenerateSummary } from '../src/index.js';
import { sql } from './helpers.js';
import { readFile } from 'node:fs/promises';

const db = useTestDatabase();

beforeAll(async () => {
  await initDatabase(db.url);
});

describe('generateMessages', () => {
  it('is deterministic per seed and different across seeds', () => {
    const a = [...generateMessages({ messages: 2000, seed: 1 })];
    const b = [...generateMessages({ messages: 2000, seed: 1 })];
    const c = [...generateMessages({ messages: 2000, seed: 2 })];
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
  });

  it('contains what real servers contain: replies, bots, mentions, emoji, long and empty messages, cycles, dangling replies', () => {
    const summary: GenerateSummary = {
      messages: 0,
      channels: 0,
      authors: 0,
      replies: 0,
      cycles: 0,
      dangling: 0,
    };
    const rows = [...generateMessages({ messages: 20_000, channels: 5, seed: 3 }, summary)];
    expect(summary.messages).toBe(20_000);
    const content = (r: unknown[]) => r[6] as string;
    const ids = new Set(rows.map((r) => r[0] as string));
    expect(ids.size).toBe(20_000);
    expect(rows.filter((r) => r[5] === true).length).toBeGreaterThan(100); // bots
    expect(rows.filter((r) => content(r) === '').length).toBeGreaterThan(100);
    expect(rows.filter((r) => content(r).length > 1000).length).toBeGreaterThan(50);
    expect(rows.filter((r) => /<@\d+>/.test(content(r)) && r[10] !== '[]').length).toBeGreaterThan(100);
    expect(rows.filter((r) => /\p{Extended_Pictographic}/u.test(content(r))).length).toBeGreaterThan(100);
    expect(rows.filter((r) => r[8] === 'GuildMemberJoin').length).toBeGreaterThan(10);
    expect(rows.filter((r) => r[9] === r[0]).length).toBeGreaterThanOrEqual(1); // self-replies
    const dangling = rows.filter((r) => r[9] !== null && !ids.has(r[9] as string)).length;
    expect(dangling).toBe(summary.dangling);
    expect(summary.cycles).toBeGreaterThanOrEqual(3);
    // Realistic depth: walk each reply up to its root.
    const parent = new Map(rows.map((r) => [r[0] as string, r[9] as string | null]));
    let deepest = 0;
    for (const id of ids) {
      let depth = 0;
      for (let at: string | null | undefined = id; at != null && depth < 1000; at = parent.get(at)) depth++;
      deepest = Math.max(deepest, depth);
    }
    expect(deepest).toBeGreaterThan(5);
  });
});

describe('generateToDatabase', () => {
  it('loads the rows with COPY; the same seed twice gives the same table', async () => {
    const first = await generateToDatabase({ db: db.url, messages: 1500, seed: 9 });
    const digest = async () =>
      (
        await sql<{ d: string }>(
          db.url,
          `SELECT md5(string_agg(id::text || content || coalesce(referenced_message_id::text, ''), ',' ORDER BY id)) AS d FROM messages`,
        )
      )[0]!.d;
    const before = await digest();
    await generateToDatabase({ db: db.url, messages: 1500, seed: 9 });
    expect(await digest()).toBe(before);
    expect(await sql(db.url, 'SELECT count(*)::int AS n FROM messages')).toEqual([{ n: 1500 }]);
    expect(first.messages).toBe(1500);
    expect(await sql(db.url, 'SELECT count(*)::int AS n FROM channels')).toEqual([{ n: 8 }]);
  });

  it('says a read-only database cannot take the rows, naming the table, before writing any', async () => {
    const name = new URL(db.url).pathname.slice(1);
    await sql(db.url, `ALTER DATABASE "${name}" SET default_transaction_read_only = on`);
    try {
      await expect(generateToDatabase({ db: db.url, messages: 10, seed: 'ro' })).rejects.toThrow(
        new ReadOnlyDatabaseError('messages', 'the database is read-only (transaction_read_only is on)'),
      );
    } finally {
      await sql(
        db.url,
        `BEGIN READ WRITE; ALTER DATABASE "${name}" RESET default_transaction_read_only; COMMIT`,
      );
    }
  });
});

describe('SQL scripts', () => {
  it('are the repository’s sql_scripts files, and init-db is idempotent', async () => {
    expect(sqlScriptPath('discord_schema.sql')).toMatch(/sql_scripts\/discord_schema\.sql$/);
    const repo = await readFile(
      new URL('../../../sql_scripts/optimize_indexes.sql', import.meta.url),
      'utf8',
    );
    expect(await readSqlScript('optimize_indexes.sql')).toBe(repo);
    await expect(initDatabase(db.url)).resolves.toEqual({
      applied: ['discord_schema.sql', 'optimize_indexes.sql'],
    });
    const indexes = await sql<{ indexname: string }>(
      db.url,
      `SELECT indexname FROM pg_indexes WHERE tablename = 'messages' ORDER BY 1`,
    );
    expect(indexes.map((i) => i.indexname)).toEqual([
      'messages_channel_id_created_at_idx',
      'messages_created_at_idx',
      'messages_pkey',
      'messages_referenced_message_id_idx',
    ]);
  });
});
