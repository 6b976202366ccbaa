import { bulkInsert } from '@prepkit/db-cursors';
import { WRITE_COLUMNS, openDatabase, requireColumns, requireWritable } from './database.js';
import { AbortedError, InvalidOptionError, throwIfAborted } from '@prepkit/bench-harness/errors';
import type { ProgressReporter } from './progress.js';
import { noProgress } from './progress.js';
import { Prng } from '@prepkit/bench-harness';

export interface GenerateOptions {
  /** Messages to generate. */
  messages: number;
  /** Channels of the server. Default: 8. */
  channels?: number;
  /** Default: `'0'`. */
  seed?: string | number;
}

export interface GenerateToDatabaseOptions extends GenerateOptions {
  /** postgresql:// URL of a database prepared with `initDatabase`. */
  db: string;
  /** Rows per COPY batch. Default: 10,000. */
  batchSize?: number;
  reporter?: ProgressReporter;
  signal?: AbortSignal;
}

/** The defaults of `GenerateToDatabaseOptions`. */
export const DEFAULT_GENERATE_OPTIONS = Object.freeze({ channels: 8, seed: '0', batchSize: 10_000 });

export interface GenerateSummary {
  messages: number;
  channels: number;
  authors: number;
  replies: number;
  /** Reply cycles planted (self-replies and pairs replying to each other). */
  cycles: number;
  /** Replies to ids that do not exist (deleted messages). */
  dangling: number;
}

const DISCORD_EPOCH = 1_420_070_400_000n;
const START_MS = Date.UTC(2023, 0, 1);
const GUILD_ID = '1000000000000000001';
const WORDS = (
  'the a to and of is it you that in for this on have be with just not but so what can do my are was if ' +
  'think know like get about would one all there out up how more no your time need use should will make ' +
  'build error code test server deploy query index table postgres node python rust model data train ' +
  'loss batch epoch gpu memory thread worker cache file json config docs issue fix bug release version ' +
  'works thanks yeah maybe actually really sure good nice cool weird same problem idea question answer'
).split(' ');
const EMOJI = ['😀', '😂', '👍', '🎉', '🔥', '🤔', '🙏', '❤️', '👀', '🚀', '👩‍💻', '🏳️‍🌈', '✨', '🐛'];
const NAMES_A = ['quiet', 'rapid', 'lucky', 'brave', 'sleepy', 'cosmic', 'tiny', 'fuzzy', 'neon', 'polar'];
const NAMES_B = ['otter', 'falcon', 'badger', 'comet', 'maple', 'pixel', 'walrus', 'ember', 'lynx', 'koala'];

interface Author {
  id: string;
  name: string;
  nickname: string | null;
  bot: boolean;
}

/**
 * A synthetic Discord server as rows of `messages` (in the column order of the import): authors
 * with skewed activity and a few bots, channels of uneven traffic, replies mostly to recent
 * messages (so threads grow deep), back-and-forth between two people, mentions with their
 * `mentions` entries, emoji (including multi-code-point ones), long messages, empty ones
 * (attachments only), member-join system messages, a few reply cycles (self-replies and pairs
 * replying to each other) and replies to deleted messages. Deterministic per seed.
 *
 * @example
 * for (const row of generateMessages({ messages: 1000, seed: 7 })) …
 */
export function* generateMessages(options: GenerateOptions, summary?: GenerateSummary): Generator<unknown[]> {
  const total = options.messages;
  const channelCount = options.channels ?? DEFAULT_GENERATE_OPTIONS.channels;
  if (!Number.isInteger(total) || total < 0) {
    throw new InvalidOptionError(`options.messages must be a non-negative integer (got ${String(total)})`);
  }
  if (!Number.isInteger(channelCount) || channelCount < 1) {
    throw new InvalidOptionError(`options.channels must be a positive integer (got ${String(channelCount)})`);
  }
  const rng = new Prng(`discord-dataset:${String(options.seed ?? DEFAULT_GENERATE_OPTIONS.seed)}`);
  const authors = makeAuthors(rng, Math.min(5000, Math.max(20, Math.round(total / 150))));
  const humans = authors.flatMap((a, i) => (a.bot ? [] : [i]));
  const bots = authors.flatMap((a, i) => (a.bot ? [i] : []));
  const channels = Array.from({ length: channelCount }, (_, i) =>
    (2_000_000_000_000_000_000n + BigInt(i)).toString(),
  );
  const recent: { id: string; author: number; parentAuthor: number }[][] = channels.map(() => []);
  // Plant one reply cycle per 20,000 messages, at least 3 (none under 100 messages).
  const cycleEvery = total >= 100 ? Math.floor(total / Math.max(3, Math.round(total / 20_000))) : 0;
  const stats: GenerateSummary = summary ?? {
    messages: 0,
    channels: 0,
    authors: 0,
    replies: 0,
    cycles: 0,
    dangling: 0,
  };
  stats.channels = channelCount;
  stats.authors = authors.length;
  let ms = START_MS;
  let sequence = 0n;
  let held: unknown[] | undefined;
  for (let i = 0; i < total; i++) {
    ms += 1 + rng.int(40_000);
    sequence = (sequence + 1n) & 0xfffn;
    const id = (((BigInt(ms) - DISCORD_EPOCH) << 22n) | (1n << 17n) | sequence).toString();
    const channel = Math.floor(channelCount * rng.next() ** 1.6);
    const window = recent[channel]!;
    let parent: (typeof window)[number] | undefined;
    let parentId: string | null = null;
    if (window.length > 0 && rng.chance(0.45)) {
      parent = window[window.length - 1 - Math.floor(Math.min(window.length, 12) * rng.next() ** 2)]!;
      parentId = parent.id;
    }
    let authorIndex: number;
    if (parent !== undefined && parent.parentAuthor >= 0 && rng.chance(0.45))
      authorIndex = parent.parentAuthor;
    else if (rng.chance(0.03) && bots.length > 0) authorIndex = rng.pick(bots);
    else authorIndex = humans[Math.floor(humans.length * rng.next() ** 2.5)]!;
    const author = authors[authorIndex]!;
    let type = parentId === null ? 'Default' : 'Reply';
    let content: string;
    let mentions = '[]';
    const roll = rng.next();
    if (roll < 0.004) {
      type = 'GuildMemberJoin';
      content = '';
      parentId = null;
    } else if (roll < 0.024) {
      content = ''; // attachments or a sticker only
    } else if (roll < 0.034) {
      content = sentence(rng, 300 + rng.int(500));
    } else {
      content = sentence(rng, 2 + rng.int(24));
      if (rng.chance(0.15)) content += ` ${rng.pick(EMOJI)}`;
      if (rng.chance(0.05)) content += `\n${sentence(rng, 3 + rng.int(10))}`;
      if (rng.chance(0.06)) {
        const target = authors[rng.pick(humans)]!;
        content = `<@${target.id}> ${content}`;
        mentions = JSON.stringify([
          { id: target.id, name: target.name, nickname: target.nickname, isBot: false },
        ]);
      }
    }
    if (parentId !== null && rng.chance(0.005)) {
      // A reply to a deleted message: an id no generated message has (another worker id).
      parentId = (((BigInt(ms - 5000) - DISCORD_EPOCH) << 22n) | (31n << 17n)).toString();
      stats.dangling++;
    }
    const row: unknown[] = [
      id,
      channels[channel],
      author.id,
      author.name,
      author.nickname,
      author.bot,
      content,
      new Date(ms).toISOString(),
      type,
      parentId,
      mentions,
      GUILD_ID,
      null,
      null,
    ];
    if (parentId !== null) stats.replies++;
    if (cycleEvery > 0 && i % cycleEvery === cycleEvery - 1) {
      if (stats.cycles % 2 === 0) {
        row[9] = id; // replies to itself
      } else if (held !== undefined) {
        row[9] = held[0]; // this and the previous message reply to each other
        held[9] = id;
      }
      stats.cycles++;
    }
    if (held !== undefined) yield held;
    held = row;
    if (type !== 'GuildMemberJoin') {
      window.push({ id, author: authorIndex, parentAuthor: parent?.author ?? -1 });
      if (window.length > 64) window.splice(0, 32);
    }
    stats.messages++;
  }
  if (held !== undefined) yield held;
}

/**
 * Generates a synthetic server (`generateMessages`) into `messages` and `channels` at `db`,
 * through COPY in batches; rows with the same ids are replaced, so the same seed twice gives the
 * same table.
 */
export async function generateToDatabase(options: GenerateToDatabaseOptions): Promise<GenerateSummary> {
  const batchSize = options.batchSize ?? DEFAULT_GENERATE_OPTIONS.batchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InvalidOptionError(`options.batchSize must be a positive integer (got ${String(batchSize)})`);
  }
  const reporter = options.reporter ?? noProgress;
  const db = await openDatabase(options.db, 'generate');
  const summary: GenerateSummary = {
    messages: 0,
    channels: 0,
    authors: 0,
    replies: 0,
    cycles: 0,
    dangling: 0,
  };
  try {
    await requireColumns(db.pool, 'messages', WRITE_COLUMNS, 'generate');
    await requireWritable(db.pool, 'messages');
    await requireWritable(db.pool, 'channels');
    const rows = generateMessages(options, summary);
    await reporter.phase(
      'generate',
      async (phase) => {
        phase.setTotal(options.messages);
        function* batches(): Generator<unknown[][]> {
          let batch: unknown[][] = [];
          for (const row of rows) {
            batch.push(row);
            if (batch.length === batchSize) {
              yield batch;
              phase.advance(batch.length);
              batch = [];
            }
          }
          if (batch.length > 0) {
            yield batch;
            phase.advance(batch.length);
          }
        }
        await bulkInsert(db.pool, {
          table: 'messages',
          columns: WRITE_COLUMNS,
          batches: batches(),
          onConflict: { key: 'id', action: 'update' },
          commitEvery: 5,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        });
      },
      { unit: 'messages' },
    );
    throwIfAborted(options.signal, 'generate');
    const channelRows = Array.from({ length: summary.channels }, (_, i) => [
      (2_000_000_000_000_000_000n + BigInt(i)).toString(),
      GUILD_ID,
      'prepkit synthetic server',
      `channel-${i}`,
      'GuildTextChat',
      'Text Channels',
      null,
    ]);
    await bulkInsert(db.pool, {
      table: 'channels',
      columns: ['id', 'guild_id', 'guild_name', 'name', 'type', 'category', 'topic'],
      batches: [channelRows],
      onConflict: { key: 'id', action: 'update' },
    });
    await db.pool.query('ANALYZE messages');
    return summary;
  } catch (error) {
    if (options.signal?.aborted === true && !(error instanceof AbortedError))
      throw new AbortedError('generate', { cause: error });
    throw error;
  } finally {
    await db.close();
  }
}

function makeAuthors(rng: Prng, count: number): Author[] {
  const authors: Author[] = [];
  for (let i = 0; i < count; i++) {
    const bot = i % 25 === 24;
    const name = bot ? `${rng.pick(NAMES_B)}-bot-${i}` : `${rng.pick(NAMES_A)}_${rng.pick(NAMES_B)}${i}`;
    authors.push({
      id: (1_100_000_000_000_000_000n + BigInt(i) * 7919n).toString(),
      name,
      nickname: !bot && rng.chance(0.3) ? `${rng.pick(NAMES_A)} ${rng.pick(NAMES_B)}` : null,
      bot,
    });
  }
  return authors;
}

function sentence(rng: Prng, words: number): string {
  let out = '';
  for (let i = 0; i < words; i++) out += (i === 0 ? '' : ' ') + WORDS[rng.int(WORDS.length)]!;
  return out;
}
