import type pg from 'pg';
import { throwIfAborted } from '@prepkit/bench-harness/errors';
import { planExamples } from './example-chains.js';
import { argsortInt64 } from './message-table.js';
import { mentionedUserIds } from './mentions.js';
import { READ_COLUMNS, openDatabase, requireColumns } from './database.js';
import { resolvePrepareOptions } from './prepare-options.js';
import type { PrepareOptions, ResolvedPrepareOptions } from './prepare-options.js';
import { noProgress } from './progress.js';
import { buildReplyForest } from './reply-forest.js';
import { splitPoint } from './split.js';
import { latestNames, loadThreads, readQuery, readReplyPairs } from './strategies/index.js';
import type { ReadQuery } from './strategies/index.js';
import { threadYieldsExample, threadsWithExamples } from './valid-guarantee.js';

/** A reply-cycle component: no root without a parent leads to it, so a shard fetches its messages by id. */
export interface CycleComponent {
  /** The thread's root: the smallest id of the cycle, where the forest cuts it. */
  readonly root: string;
  readonly members: readonly string[];
}

/**
 * What every shard of a sharded prepare needs to know about the whole selection, computed once: it is
 * plain JSON, stored with a queued run and handed to each shard.
 */
export interface DiscordShardPlan {
  readonly shards: number;
  /** The thread that goes to valid whatever its split point (`guaranteedValidationThread`), or null. */
  readonly validRoot: string | null;
  readonly cycles: readonly CycleComponent[];
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
    return await planShards(db.pool, resolved, resolved.shards, options.signal);
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
 * of the selected replies finds every thread that has a reply (only those can yield examples) and the
 * reply-cycle components; then the guarantee that valid is not left empty (`guaranteedValidationThread`) is
 * decided by loading candidate threads in order of their split point until it is settled — usually the
 * first few, since the first thread with an example below `validFraction` settles it.
 */
export async function planShards(
  pool: pg.Pool,
  options: ResolvedPrepareOptions,
  shards: number,
  signal: AbortSignal | undefined,
): Promise<DiscordShardPlan> {
  const query = readQuery(options);
  const pairs = await readReplyPairs(pool, query, signal);
  throwIfAborted(signal, 'prepare');
  const { candidates, cycles } = threadsWithReplies(pairs.ids, pairs.parentIds);
  const validRoot = await findValidRoot(pool, query, options, candidates, cycles, signal);
  return { shards, validRoot, cycles };
}

/** The roots of threads with at least one reply, and the cycle components, from (id, parent) pairs. */
export function threadsWithReplies(
  rawIds: BigInt64Array,
  rawParents: BigInt64Array,
): { candidates: string[]; cycles: CycleComponent[] } {
  const n = rawIds.length;
  const order = argsortInt64(rawIds);
  const ids = new BigInt64Array(n);
  const parentIds = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    ids[i] = rawIds[order[i]!]!;
    parentIds[i] = rawParents[order[i]!]!;
  }
  // Every pair is a reply with a selected parent; a parent missing from the pairs is a root of the selection.
  const forest = buildReplyForest({ length: n, ids, parentIds, hasParent: new Uint8Array(n).fill(1) });
  const top = new Int32Array(n).fill(-1);
  const path: number[] = [];
  for (let i = 0; i < n; i++) {
    let u = i;
    while (top[u] === -1 && forest.parent[u]! >= 0) {
      path.push(u);
      u = forest.parent[u]!;
    }
    const t = top[u] === -1 ? u : top[u]!;
    top[u] = t;
    for (const v of path) top[v] = t;
    path.length = 0;
  }
  const roots = new Set<string>();
  const members = new Map<number, string[]>();
  for (let i = 0; i < n; i++) {
    const t = top[i]!;
    if (contains(ids, parentIds[t]!)) {
      // A cut cycle: its smallest id is the thread's root.
      let list = members.get(t);
      if (list === undefined) members.set(t, (list = []));
      list.push(ids[i]!.toString());
    } else roots.add(parentIds[t]!.toString());
  }
  const cycles = [...members].map(([t, list]) => ({ root: ids[t]!.toString(), members: list }));
  return { candidates: [...roots, ...cycles.map((c) => c.root)], cycles };
}

function contains(sorted: BigInt64Array, id: bigint): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v === id) return true;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
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
  candidates: readonly string[],
  cycles: readonly CycleComponent[],
  signal: AbortSignal | undefined,
): Promise<string | null> {
  const config = options.format;
  if (!(config.validFraction > 0 && config.validFraction < 1)) return null;
  const ordered = candidates
    .map((root) => ({ root, point: splitPoint(config.seed, root) }))
    .sort((a, b) => a.point - b.point || compareIds(a.root, b.root));
  const cycleMembers = new Map(cycles.map((cycle) => [cycle.root, cycle.members]));
  let chosen: { root: string; point: number } | undefined;
  let size = FIRST_CANDIDATES_READ;
  for (let at = 0; at < ordered.length; at += size, size = Math.min(size * 2, MAX_CANDIDATES_READ)) {
    throwIfAborted(signal, 'prepare');
    const batch = ordered.slice(at, at + size);
    const yields = await yieldingThreads(pool, query, options, batch, cycleMembers, signal);
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
  cycleMembers: ReadonlyMap<string, readonly string[]>,
  signal: AbortSignal | undefined,
): Promise<Set<string>> {
  const roots = batch.filter((c) => !cycleMembers.has(c.root)).map((c) => c.root);
  const extra = batch.flatMap((c) => cycleMembers.get(c.root) ?? []);
  const { table } = await noProgress.phase('plan', (phase) =>
    loadThreads({ pool, query, phase, signal }, { roots, extra }),
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
