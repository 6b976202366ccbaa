import { stat } from 'node:fs/promises';
import { bulkInsert, describeFailure, passwordOf } from '@prepkit/db-cursors';
import {
  WRITE_COLUMNS,
  assertDatabaseUrl,
  openDatabase,
  requireColumns,
  requireWritable,
} from './database.js';
import type { Database } from './database.js';
import { InvalidOptionError, PrepkitError, throwIfAborted } from '@prepkit/bench-harness/errors';
import { ExportFormatError } from './errors.js';
import { readDiscordExport } from './export-reader.js';
import type { ExportSource, JsonObject, JsonValue } from './export-reader.js';
import type { ProgressReporter } from './progress.js';
import { noProgress } from './progress.js';
import { MAX_SNOWFLAKE, isSnowflake } from './snowflake.js';
import { cleanText } from './text.js';

export interface ImportOptions {
  /** postgresql:// URL of a database prepared with `initDatabase`. */
  db: string;
  /** Export files (paths), or `{ name, source }` for streams. */
  files: readonly (string | { name: string; source: ExportSource })[];
  /** Messages per COPY batch. Default: 5,000. */
  batchSize?: number;
  /** Phases and progress (a bench-harness `RunReporter` fits). */
  reporter?: ProgressReporter;
  /** Called after each committed batch with the messages imported so far. */
  onCommit?: (messages: number) => void;
  signal?: AbortSignal;
}

export interface ImportedFile {
  readonly name: string;
  readonly channelId: string | undefined;
  readonly messages: number;
  /** Invalid UTF-8 sequences in the file, stored as U+FFFD. */
  readonly invalidUtf8: number;
}

export interface ImportResult {
  readonly files: readonly ImportedFile[];
  /** Messages written (inserted or updated). */
  readonly messages: number;
  /** Invalid UTF-8 sequences in all files, stored as U+FFFD. */
  readonly invalidUtf8: number;
}

/** The defaults of `ImportOptions`. */
export const DEFAULT_IMPORT_OPTIONS = Object.freeze({ batchSize: 5_000 });

/**
 * Imports DiscordChatExporter JSON exports into `messages` (and `channels`), streaming each file and
 * upserting by message id: importing the same export twice updates rows instead of duplicating them,
 * and an edited message takes its newer content. Mentions (`mentions` jsonb), message types and
 * reply references are kept as exported. A file that fails part-way leaves the batches committed
 * before it; importing it again is safe.
 *
 * @example
 * await importExports({ db: url, files: ['general.json', 'help.json'] });
 */
export async function importExports(options: ImportOptions): Promise<ImportResult> {
  const batchSize = options.batchSize ?? DEFAULT_IMPORT_OPTIONS.batchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InvalidOptionError(`options.batchSize must be a positive integer (got ${String(batchSize)})`);
  }
  if (options.files.length === 0) throw new InvalidOptionError('options.files must name at least one export');
  const reporter = options.reporter ?? noProgress;
  assertDatabaseUrl(options.db, 'import');
  // A mistyped path is reported before any connection is made.
  for (const file of options.files) if (typeof file === 'string') await assertReadable(file);
  const db = await openDatabase(options.db, 'import');
  try {
    await requireColumns(db.pool, 'messages', WRITE_COLUMNS, 'import');
    await requireColumns(db.pool, 'channels', CHANNEL_COLUMNS, 'import');
    await requireWritable(db.pool, 'messages');
    await requireWritable(db.pool, 'channels');
    const files: ImportedFile[] = [];
    let total = 0;
    for (const file of options.files) {
      const name = typeof file === 'string' ? file : file.name;
      const source = typeof file === 'string' ? file : file.source;
      throwIfAborted(options.signal, 'import');
      const imported = await reporter.phase(
        `import ${name}`,
        (phase) =>
          importOne(db, name, source, batchSize, options, (n) => {
            phase.advance(n);
            total += n;
            options.onCommit?.(total);
          }),
        { unit: 'messages' },
      );
      files.push(imported);
    }
    // Fresh statistics, so that reply lookups use the index from the first prepare on.
    await db.pool.query('ANALYZE messages');
    return { files, messages: total, invalidUtf8: files.reduce((n, f) => n + f.invalidUtf8, 0) };
  } finally {
    await db.close();
  }
}

const CHANNEL_COLUMNS = ['id', 'guild_id', 'guild_name', 'name', 'type', 'category', 'topic'] as const;

async function importOne(
  db: Database,
  name: string,
  source: ExportSource,
  batchSize: number,
  options: ImportOptions,
  onRows: (n: number) => void,
): Promise<ImportedFile> {
  let channel: JsonObject | undefined;
  let guild: JsonObject | undefined;
  let messages = 0;
  const stats = { invalidUtf8: 0 };
  async function* batches(): AsyncGenerator<unknown[][]> {
    // Keyed by id: a message listed twice in one batch would make ON CONFLICT fail ("cannot affect row a second time").
    let batch = new Map<string, unknown[]>();
    for await (const item of readDiscordExport(source, name, stats)) {
      channel ??= item.channel;
      guild ??= item.guild;
      const row = messageRow(name, item.message, item.index, item.channel, item.guild);
      batch.set(row[0] as string, row);
      messages++;
      if (batch.size >= batchSize) {
        throwIfAborted(options.signal, 'import');
        yield [...batch.values()];
        batch = new Map();
      }
    }
    if (batch.size > 0) yield [...batch.values()];
  }
  await bulkInsert(db.pool, {
    table: 'messages',
    columns: WRITE_COLUMNS,
    batches: batches(),
    onConflict: { key: 'id', action: 'update' },
    commitEvery: 2,
    onCommit: (() => {
      let last = 0;
      return (totals: { rows: number }) => {
        onRows(totals.rows - last);
        last = totals.rows;
      };
    })(),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  }).catch((error: unknown) => {
    if (error instanceof PrepkitError || options.signal?.aborted === true) throw error;
    throw describeFailure(`import ${name}`, error, [passwordOf(options.db)]);
  });
  throwIfAborted(options.signal, 'import');
  const channelId = channel === undefined ? undefined : snowflakeOrNull(channel.id);
  if (channel !== undefined && channelId !== null && channelId !== undefined) {
    await bulkInsert(db.pool, {
      table: 'channels',
      columns: CHANNEL_COLUMNS,
      batches: [[channelRow(channelId, channel, guild)]],
      onConflict: { key: 'id', action: 'update' },
    });
  }
  return { name, channelId: channelId ?? undefined, messages, invalidUtf8: stats.invalidUtf8 };
}

/** A message as a row in `WRITE_COLUMNS` order, checked and cleaned. */
export function messageRow(
  file: string,
  value: JsonValue,
  index: number,
  channel: JsonObject,
  guild: JsonObject | undefined,
): unknown[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ExportFormatError(file, `message #${index} is not an object`);
  }
  const where = (): string => `message #${index}${typeof value.id === 'string' ? ` (id ${value.id})` : ''}`;
  const bad = (problem: string): never => {
    throw new ExportFormatError(file, `${where()}: ${problem}`);
  };
  // A digit string beyond int64 would fail the whole batch in PostgreSQL: name the message and field instead.
  const snowflake = (field: string, v: JsonValue | undefined, required: boolean): string | null => {
    if (typeof v === 'string' && isSnowflake(v)) return v;
    if (typeof v === 'string' && /^\d+$/.test(v))
      return bad(`"${field}" ${v} is beyond int64 (at most ${MAX_SNOWFLAKE})`);
    return required ? bad(`"${field}" must be a snowflake string`) : null;
  };
  const id = snowflake('id', value.id, true)!;
  const channelId = snowflake('channel.id', channel.id, true)!;
  const guildId = snowflake('guild.id', guild?.id, false);
  const author = value.author;
  if (typeof author !== 'object' || author === null || Array.isArray(author))
    return bad('"author" is missing');
  const authorId = snowflake('author.id', author.id, true)!;
  const authorName =
    typeof author.name === 'string' ? cleanText(author.name) : bad('"author.name" is missing');
  const nickname =
    typeof author.nickname === 'string' && author.nickname !== '' ? cleanText(author.nickname) : null;
  const timestamp = value.timestamp;
  if (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp))) {
    return bad('"timestamp" must be an ISO-8601 date');
  }
  const edited =
    typeof value.timestampEdited === 'string' && !Number.isNaN(Date.parse(value.timestampEdited))
      ? value.timestampEdited
      : null;
  const content = typeof value.content === 'string' ? cleanText(value.content) : '';
  const type = typeof value.type === 'string' && value.type !== '' ? value.type : 'Default';
  let replyTo: string | null = null;
  let forwardOf: string | null = null;
  const reference = value.reference;
  if (typeof reference === 'object' && reference !== null && !Array.isArray(reference)) {
    const target = snowflake('reference.messageId', reference.messageId, false);
    if (reference.type === 'Forward') forwardOf = target;
    else replyTo = target;
  }
  const mentions = Array.isArray(value.mentions) ? JSON.stringify(cleanJson(value.mentions)) : '[]';
  return [
    id,
    channelId,
    authorId,
    authorName,
    nickname,
    author.isBot === true,
    content,
    timestamp,
    type,
    replyTo,
    mentions,
    guildId === '0' ? null : guildId,
    edited,
    forwardOf,
  ];
}

function channelRow(id: string, channel: JsonObject, guild: JsonObject | undefined): unknown[] {
  const text = (v: JsonValue | undefined): string | null => (typeof v === 'string' ? cleanText(v) : null);
  const guildId = snowflakeOrNull(guild?.id);
  return [
    id,
    guildId === '0' ? null : guildId,
    text(guild?.name),
    text(channel.name),
    text(channel.type),
    text(channel.category),
    text(channel.topic),
  ];
}

function snowflakeOrNull(value: JsonValue | undefined): string | null {
  return typeof value === 'string' && isSnowflake(value) ? value : null;
}

/** jsonb refuses NUL and lone surrogates: clean every string of a JSON value. */
function cleanJson(value: JsonValue): JsonValue {
  if (typeof value === 'string') return cleanText(value);
  if (Array.isArray(value)) return value.map(cleanJson);
  if (typeof value === 'object' && value !== null) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[cleanText(k)] = cleanJson(v);
    return out;
  }
  return value;
}

async function assertReadable(path: string): Promise<void> {
  await stat(path).then(
    () => undefined,
    (error: unknown) => {
      throw new InvalidOptionError(
        `${path}: cannot read the export (${(error as { code?: string }).code ?? String(error)})`,
      );
    },
  );
}
