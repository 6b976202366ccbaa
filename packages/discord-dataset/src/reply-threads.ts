import { argsortInt64 } from './message-table.js';
import { buildReplyForest } from './reply-forest.js';

/**
 * The threads of a selection that have replies, found in memory from the (id, parent) pairs of its replies
 * alone (`readReplyPairs`): each reply's thread root. Some threads' messages are then read by id — their
 * replies from this, their roots by a filter — instead of walking reply chains through the database, which
 * cost a shard of 200K messages about 4x its share of one plain read. Threads of one message are not here:
 * they yield no example.
 */
export class ReplyThreads {
  /** The replies, ordered by their thread root (then id). */
  readonly #replies: BigInt64Array;
  /** The thread root of each of `#replies`, ascending. */
  readonly #rootOf: BigInt64Array;

  private constructor(replies: BigInt64Array, rootOf: BigInt64Array) {
    this.#replies = replies;
    this.#rootOf = rootOf;
  }

  /**
   * From every selected reply whose parent is selected too: a reply's root is its top ancestor's parent (a
   * message that is not such a reply), or, in a reply cycle, the smallest id of the cycle, where the forest
   * cuts it — the root a whole-selection prepare gives that thread.
   */
  static fromPairs(rawIds: BigInt64Array, rawParents: BigInt64Array): ReplyThreads {
    const n = rawIds.length;
    const byId = argsortInt64(rawIds);
    const ids = new BigInt64Array(n);
    const parentIds = new BigInt64Array(n);
    for (let i = 0; i < n; i++) {
      ids[i] = rawIds[byId[i]!]!;
      parentIds[i] = rawParents[byId[i]!]!;
    }
    // A parent missing from the pairs is a root of the selection: the forest keeps such replies as roots.
    const forest = buildReplyForest({ length: n, ids, parentIds, hasParent: new Uint8Array(n).fill(1) });
    // Each forest root starts a thread: its root is the root's parent (a message that is not such a reply), or,
    // when that parent is a reply too, the forest root itself, where the forest cut a cycle.
    const rootOf = new BigInt64Array(n);
    const stack: number[] = [];
    for (const top of forest.roots) {
      const root = contains(ids, parentIds[top]!) ? ids[top]! : parentIds[top]!;
      stack.push(top);
      while (stack.length > 0) {
        const u = stack.pop()!;
        rootOf[u] = root;
        for (let c = forest.childStart[u]!; c < forest.childStart[u + 1]!; c++)
          stack.push(forest.children[c]!);
      }
    }
    const byRoot = argsortInt64(rootOf);
    return new ReplyThreads(
      BigInt64Array.from(byRoot, (i) => ids[i]!),
      BigInt64Array.from(byRoot, (i) => rootOf[i]!),
    );
  }

  /** Every thread root, ascending, as decimal text. */
  roots(): string[] {
    const roots: string[] = [];
    for (let i = 0; i < this.#rootOf.length; i++) {
      if (i === 0 || this.#rootOf[i] !== this.#rootOf[i - 1]) roots.push(this.#rootOf[i]!.toString());
    }
    return roots;
  }

  /** The replies (cycle roots included) of the threads whose root `keep` accepts; `keep` runs once a thread. */
  replies(keep: (root: string) => boolean): string[] {
    const out: string[] = [];
    const n = this.#rootOf.length;
    for (let start = 0; start < n;) {
      let end = start + 1;
      while (end < n && this.#rootOf[end] === this.#rootOf[start]) end++;
      if (keep(this.#rootOf[start]!.toString()))
        for (let i = start; i < end; i++) out.push(this.#replies[i]!.toString());
      start = end;
    }
    return out;
  }
}

/**
 * Where a read of some threads gets the reply threads: `read` them anew, or take those a worker kept for the run
 * it works on (`replyThreadsOfRun`).
 */
export type ReplyThreadsSource = (read: () => Promise<ReplyThreads>) => Promise<ReplyThreads>;

/** Reads the reply threads each time. */
export const readReplyThreads: ReplyThreadsSource = (read) => read();

/** Reads the reply threads at the first call that succeeds, and gives those again after. */
export function readReplyThreadsOnce(): ReplyThreadsSource {
  let kept: ReplyThreads | undefined;
  return async (read) => (kept ??= await read());
}

/**
 * Keeps the reply threads of one run at a time: a worker's plan and shards of the same run read the pairs once
 * (the selection does not change during a run), instead of once per shard. A new run id drops the old ones.
 */
export function replyThreadsOfRun(): (runId: string) => ReplyThreadsSource {
  let kept: { runId: string; source: ReplyThreadsSource } | undefined;
  return (runId) => {
    if (kept?.runId !== runId) kept = { runId, source: readReplyThreadsOnce() };
    return kept.source;
  };
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
