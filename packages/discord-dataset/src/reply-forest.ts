import { compareAt } from './message-table.js';
import type { MessageTable } from './message-table.js';

/**
 * The reply structure of a `MessageTable`: every message has at most one parent (the message it
 * replies to) and the graph is a forest. Indexes are rows of the table, so they ascend with ids.
 */
export interface ReplyForest {
  readonly length: number;
  /** Parent row of each row, or -1 for a root. */
  readonly parent: Int32Array;
  /** Roots, ascending by id. */
  readonly roots: Int32Array;
  /** Children of row `i` are `children[childStart[i] .. childStart[i + 1]]`, ascending by id. */
  readonly childStart: Int32Array;
  readonly children: Int32Array;
  /** Reply cycles cut (a self-reply is a cycle of one); the cut is at the cycle's smallest id. */
  readonly cyclesBroken: number;
  /** Replies whose parent is not among the selected messages (deleted, elsewhere, out of range): now roots. */
  readonly danglingReplies: number;
}

/**
 * Builds the reply forest of `table` in linear time (plus a binary search per reply): a reply to a
 * message outside the table becomes a root and is counted; a cycle of references (A→B→A, or a
 * message replying to itself) is broken at its smallest id, which becomes a root, and is counted.
 * Nothing recurses, so a chain of any depth is fine.
 *
 * @example
 * const forest = buildReplyForest(table);
 * console.log(forest.roots.length, forest.cyclesBroken, forest.danglingReplies);
 */
export function buildReplyForest(
  table: Pick<MessageTable, 'length' | 'ids' | 'parentIds' | 'hasParent'>,
): ReplyForest {
  const n = table.length;
  const ids = words(table.ids);
  const parents = words(table.parentIds);
  const parent = new Int32Array(n).fill(-1);
  let dangling = 0;
  for (let i = 0; i < n; i++) {
    if (table.hasParent[i] !== 1) continue;
    const at = search(ids, n, parents, i);
    if (at < 0) dangling++;
    else parent[i] = at;
  }
  const cyclesBroken = breakCycles(parent);

  const childStart = new Int32Array(n + 1);
  let rootCount = 0;
  for (let i = 0; i < n; i++) {
    const p = parent[i]!;
    if (p < 0) rootCount++;
    else childStart[p + 1]!++;
  }
  for (let i = 0; i < n; i++) childStart[i + 1]! += childStart[i]!;
  const fill = childStart.slice(0, n);
  const children = new Int32Array(n - rootCount);
  const roots = new Int32Array(rootCount);
  let r = 0;
  for (let i = 0; i < n; i++) {
    const p = parent[i]!;
    if (p < 0) roots[r++] = i;
    else children[fill[p]!++] = i;
  }
  return { length: n, parent, roots, childStart, children, cyclesBroken, danglingReplies: dangling };
}

/**
 * Cuts every cycle of parent pointers at its smallest row (= smallest id) and returns how many
 * there were. Each row is walked once: a walk stops at a row already settled, or at a row on its
 * own path, which closes a cycle.
 */
function breakCycles(parent: Int32Array): number {
  const n = parent.length;
  const state = new Uint8Array(n); // 0 unvisited, 1 on the current walk, 2 settled
  const path = new Int32Array(n);
  let cycles = 0;
  for (let start = 0; start < n; start++) {
    if (state[start] !== 0) continue;
    let length = 0;
    let u = start;
    while (u >= 0 && state[u] === 0) {
      state[u] = 1;
      path[length++] = u;
      u = parent[u]!;
    }
    if (u >= 0 && state[u] === 1) {
      let smallest = u;
      for (let k = length - 1; k >= 0 && path[k] !== u; k--) smallest = Math.min(smallest, path[k]!);
      parent[smallest] = -1;
      cycles++;
    }
    for (let k = 0; k < length; k++) state[path[k]!] = 2;
  }
  return cycles;
}

function words(values: BigInt64Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
}

/** Row of the id `needles[j]` in the ascending `ids`, or -1. */
function search(ids: Uint32Array, n: number, needles: Uint32Array, j: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareAt(ids, mid, needles, j);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
