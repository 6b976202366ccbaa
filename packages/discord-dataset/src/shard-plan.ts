import type pg from 'pg';
import { throwIfAborted } from '@prepkit/bench-harness/errors';
import { planExamples } from './example-chains.js';
import { mentionedUserIds } from './mentions.js';
import { READ_COLUMNS, openDatabase, requireColumns } from './database.js';
import { resolvePrepareOptions } from './prepare-options.js';
import type { PrepareOptions, ResolvedPrepareOptions } from './prepare-options.js';
import { noProgress } from './progress.js';
import { buildReplyForest } from './reply-forest.js';
import { readReplyThreads } from './reply-threads.js';
import type { ReplyThreads, ReplyThreadsSource } from './reply-threads.js';
import { splitPoint } from './split.js';
import { latestNames, loadThreads, readQuery, replyThreadsOf } from './strategies/index.js';
import type { ReadQuery } from './strategies/index.js';
import { threadYieldsExample, threadsWithExamples } from './valid-guarantee.js';

/**
 * What every shard of a sharded prepare needs to know about the whole selection, computed once: it is
 * plain JSON, stored with a queued run and handed to each shard.
 */
export interface DiscordShardPlan {
  readonly shards: number;
  /** The thread that goes to valid whatever its split point (`guaranteedValidationThread`), or null. */
  readonly validRoot: string | null;
}

/**
 * The plan of a sharded prepare into `options.shards` shards: what a queued run computes once and hands to
 * every shard (`prepareDiscordDataset({ ...options, shard: { index, count }, plan })`).
 *
 * @example
 * const plan = await planDiscordShards({ db: url, train: 'out/train.jsonl', valid: 'out/valid.jsonl', shards: 8 });
 */
export async function planDiscordShards(
  options: Omit<PrepareOptions, 'shard' | 'plan'> & { shards: number },
): Promise<DiscordShardPlan> {
  const resolved = resolvePrepareOptions(options);
  const db = await openDatabase(resolved.db, 'prepare', { readOnly: resolved.readOnly });
  try {
    await requireColumns(db.pool, 'messages', READ_COLUMNS, 'prepare');
    return await planShards(db.pool, resolved, resolved.shards, options.signal, options.replyThreads);
  } finally {
    await db.close().catch(() => undefined);
  }
}

/**
 * Threads loaded by the first read while looking for the guaranteed validation thread; each further read
 * doubles it (up to 65,536), so a selection where few threads yield examples takes a few dozen reads, not one
 * per 64 threads.
 */
const FIRST_CANDIDATES_READ = 64;
const MAX_CANDIDATES_READ = 65_536;

/**
 * The plan of a sharded prepare, from the ids alone plus a few threads: one read of the (id, parent) pairs
 * of the selected replies finds every thread that has a reply (only those can yield examples), reply
 * cycles included; then the guarantee that valid is not left empty (`guaranteedValidationThread`) is
 * decided by loading candidate threads in order of their split point until it is settled — usually the
 * first few, since the first thread with an example below `validFraction` settles it.
 */
export async function planShards(
  pool: pg.Pool,
  options: ResolvedPrepareOptions,
  shards: number,
  signal: AbortSignal | undefined,
  replyThreads: ReplyThreadsSource = readReplyThreads,
): Promise<DiscordShardPlan> {
  const query = readQuery(options);
  const threads = await replyThreads(() => replyThreadsOf(pool, query, signal));
  throwIfAborted(signal, 'prepare');
  const validRoot = await findValidRoot(pool, query, options, threads, signal);
  return { shards, validRoot };
}

/**
 * `guaranteedValidationThread` over the whole selection, reading only candidate threads: in order of split
 * point (then id), the first thread that yields an example decides — below `validFraction`, nothing to
 * do; else it goes to valid if a second thread yields one.
 */
async function findValidRoot(
  pool: pg.Pool,
  query: ReadQuery,
  options: ResolvedPrepareOptions,
  threads: ReplyThreads,
  signal: AbortSignal | undefined,
): Promise<string | null> {
  const config = options.format;
  if (!(config.validFraction > 0 && config.validFraction < 1)) return null;
  const ordered = threads
    .roots()
    .map((root) => ({ root, point: splitPoint(config.seed, root) }))
    .sort((a, b) => a.point - b.point || compareIds(a.root, b.root));
  let chosen: { root: string; point: number } | undefined;
  let size = FIRST_CANDIDATES_READ;
  for (let at = 0; at < ordered.length; at += size, size = Math.min(size * 2, MAX_CANDIDATES_READ)) {
    throwIfAborted(signal, 'prepare');
    const batch = ordered.slice(at, at + size);
    const yields = await yieldingThreads(pool, query, options, batch, threads, signal);
    for (const candidate of batch) {
      if (!yields.has(candidate.root)) continue;
      if (chosen !== undefined) return chosen.root;
      if (candidate.point < config.validFraction) return null;
      chosen = candidate;
    }
  }
  return null; // fewer than two threads have examples
}

/** Of the `batch` threads, those that yield at least one example, formatted as the whole run would. */
async function yieldingThreads(
  pool: pg.Pool,
  query: ReadQuery,
  options: ResolvedPrepareOptions,
  batch: readonly { root: string }[],
  threads: ReplyThreads,
  signal: AbortSignal | undefined,
): Promise<Set<string>> {
  const roots = new Set(batch.map((c) => c.root));
  // A cycle's root is one of its replies too: listed twice, read once.
  const ids = [...roots, ...threads.replies((root) => roots.has(root))];
  const { table } = await noProgress.phase('plan', (phase) =>
    loadThreads({ pool, query, phase, signal }, { ids }),
  );
  const forest = buildReplyForest(table);
  const names = await latestNames(pool, query, mentionedUserIds(table.contents), signal);
  const plan = planExamples(table, forest, {
    includeBots: options.includeBots,
    examplePer: options.examplePer,
    assistantAuthor: options.format.assistantAuthor,
    latestNames: names,
  });
  const yields = new Set<string>();
  for (const thread of threadsWithExamples(table, forest, plan, options.format.seed)) {
    if (threadYieldsExample(table, forest, plan, options.format, thread)) yields.add(thread.rootId);
  }
  return yields;
}

/** Orders decimal snowflakes numerically (no leading zeros: a shorter one is smaller). */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
