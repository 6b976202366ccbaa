// Fixtures in the shapes of real inputs (DiscordChatExporter JSON, older and newer), built by the tests themselves.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';
import { WRITE_COLUMNS } from '../src/database.js';

/** A temporary directory removed after the file's tests. */
export async function tempDir(prefix = 'discord-dataset-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

export async function readLines(path: string): Promise<unknown[]> {
  const text = await readFile(path, 'utf8');
  return text === ''
    ? []
    : text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown);
}

export async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

export interface FixtureMessage {
  id: string;
  author: { id: string; name: string; nickname?: string; isBot?: boolean };
  content: string;
  timestamp?: string;
  replyTo?: string;
  type?: string;
  mentions?: { id: string; name: string; nickname?: string }[];
}

/**
 * A DiscordChatExporter export as a newer version writes it: `exportedAt`, `Reply` types,
 * `reference.type`, author roles, inline emojis.
 */
export function newExport(channelId: string, messages: readonly FixtureMessage[]): unknown {
  return {
    guild: { id: '900000000000000001', name: 'Test Guild', iconUrl: 'https://cdn.example/icon.png' },
    channel: {
      id: channelId,
      type: 'GuildTextChat',
      categoryId: '900000000000000002',
      category: 'Text',
      name: 'general',
      topic: null,
    },
    dateRange: { after: null, before: null },
    exportedAt: '2024-05-01T10:00:00.000+00:00',
    messages: messages.map((m, i) => ({
      id: m.id,
      type: m.type ?? (m.replyTo === undefined ? 'Default' : 'Reply'),
      timestamp:
        m.timestamp ?? new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString().replace('Z', '+00:00'),
      timestampEdited: null,
      callEndedTimestamp: null,
      isPinned: false,
      content: m.content,
      author: {
        id: m.author.id,
        name: m.author.name,
        discriminator: '0000',
        nickname: m.author.nickname ?? m.author.name,
        color: null,
        isBot: m.author.isBot ?? false,
        roles: [],
        avatarUrl: 'https://cdn.example/avatar.png',
      },
      attachments: [],
      embeds: [],
      stickers: [],
      reactions: [],
      mentions: (m.mentions ?? []).map((x) => ({ ...x, discriminator: '0000', isBot: false, roles: [] })),
      inlineEmojis: [],
      ...(m.replyTo === undefined
        ? {}
        : { reference: { type: 'Default', messageId: m.replyTo, channelId, guildId: '900000000000000001' } }),
    })),
    messageCount: messages.length,
  };
}

/**
 * An export as older exporter versions wrote it: no `exportedAt`, replies typed `Default` with a
 * reference that has no `type`, no author roles or inline emojis, no nickname.
 */
export function oldExport(channelId: string, messages: readonly FixtureMessage[]): unknown {
  return {
    guild: { id: '900000000000000001', name: 'Test Guild', iconUrl: 'https://cdn.example/icon.png' },
    channel: {
      id: channelId,
      type: 'GuildTextChat',
      categoryId: null,
      category: null,
      name: 'old',
      topic: null,
    },
    dateRange: { after: null, before: null },
    messages: messages.map((m, i) => ({
      id: m.id,
      type: m.type ?? 'Default',
      timestamp:
        m.timestamp ?? new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString().replace('Z', '+00:00'),
      timestampEdited: null,
      callEndedTimestamp: null,
      isPinned: false,
      content: m.content,
      author: {
        id: m.author.id,
        name: m.author.name,
        discriminator: '1234',
        isBot: m.author.isBot ?? false,
        avatarUrl: 'https://cdn.example/a.png',
      },
      attachments: [],
      embeds: [],
      reactions: [],
      mentions: (m.mentions ?? []).map((x) => ({
        id: x.id,
        name: x.name,
        discriminator: '1234',
        isBot: false,
      })),
      ...(m.replyTo === undefined ? {} : { reference: { messageId: m.replyTo, channelId, guildId: '1' } }),
    })),
    messageCount: messages.length,
  };
}

export interface RowSpec {
  id: string;
  parent?: string | null;
  author?: string;
  name?: string;
  nickname?: string | null;
  bot?: boolean;
  content?: string;
  type?: string;
  channel?: string;
  at?: string;
  mentions?: string;
}

/** Inserts rows straight into `messages` (for shapes no export produces: cycles, deep chains). */
export async function insertRows(url: string, rows: readonly RowSpec[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let start = 0; start < rows.length; start += 1000) {
      const chunk = rows.slice(start, start + 1000);
      const values: unknown[] = [];
      const tuples = chunk.map((r, i) => {
        const base = i * WRITE_COLUMNS.length;
        values.push(
          r.id,
          r.channel ?? '10',
          r.author ?? '1',
          r.name ?? `user${r.author ?? '1'}`,
          r.nickname ?? null,
          r.bot ?? false,
          r.content ?? `message ${r.id}`,
          r.at ?? new Date(Date.UTC(2024, 0, 1) + Number(BigInt(r.id) % 1_000_000n) * 1000).toISOString(),
          r.type ?? 'Default',
          r.parent ?? null,
          r.mentions ?? '[]',
          null,
          null,
          null,
        );
        return `(${WRITE_COLUMNS.map((_, c) => `$${base + c + 1}`).join(', ')})`;
      });
      await client.query(
        `INSERT INTO messages (${WRITE_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`,
        values,
      );
    }
    // As import and generate do: fresh statistics, so the planner uses the reply index.
    await client.query('ANALYZE messages');
  } finally {
    await client.end();
  }
}

export async function sql<R extends pg.QueryResultRow = Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** A URL for the same server with a wrong password. */
export function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}

/**
 * A DiscordChatExporter export of `count` messages (ids from `firstId` up, every third a reply to the one
 * before), as text: large exports for runs that must last long enough to be interrupted.
 */
export function largeExport(channelId: string, count: number, firstId = 800000000000000000n): string {
  const parts: string[] = [
    `{"guild":{"id":"900000000000000001","name":"g"},"channel":{"id":"${channelId}","name":"big"},"messages":[`,
  ];
  for (let j = 0; j < count; j++) {
    const id = firstId + BigInt(j);
    const reference = j % 3 === 2 ? `,"reference":{"messageId":"${id - 1n}"}` : '';
    parts.push(
      `${j === 0 ? '' : ','}{"id":"${id}","type":"Default","timestamp":"2024-02-01T00:00:00+00:00",` +
        `"content":"message ${j} ${'z'.repeat(100)}","author":{"id":"${(j % 50) + 1}","name":"u${j % 50}","isBot":false},"mentions":[]${reference}}`,
    );
  }
  parts.push(`],"messageCount":${count}}`);
  return parts.join('');
}

/** Resolves once `check` returns true, asking again every few milliseconds (a row count, a file). */
export async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; ; i++) {
    if (await check()) return;
    if (i > 60_000) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
