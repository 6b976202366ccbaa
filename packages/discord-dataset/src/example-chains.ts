import type { FormatTask } from './format-batch.js';
import { replaceMentions } from './mentions.js';
import { argsortInt64, compareAt } from './message-table.js';
import type { MessageTable } from './message-table.js';
import type { ExamplePer, FormatConfig } from './prepare-options.js';
import type { ReplyForest } from './reply-forest.js';

export interface ExamplePlanOptions {
  includeBots: boolean;
  examplePer: ExamplePer;
  /** Keep only examples whose last message is by the `--assistant-author`. */
  assistantAuthor: boolean;
  /**
   * The latest name of each author in the whole selection, for mentions the message's own list does not
   * name. Default: computed from `table`, which is the whole selection except in a `--shard` run.
   */
  latestNames?: ReadonlyMap<string, string>;
}

/** Which messages make turns and which end examples, decided once over the whole forest. */
export interface ExamplePlan {
  /** Rows in depth-first order: threads by root id, children by id. Examples come out in this order. */
  readonly preorder: Int32Array;
  /** 1 for messages that become turns: chat type, non-blank text, and not a bot's unless included. */
  readonly kept: Uint8Array;
  /** 1 for messages that end an example. */
  readonly endpoint: Uint8Array;
  /** The root row of each row's thread. */
  readonly rootOf: Int32Array;
  /** A small number per distinct author. */
  readonly authorKeys: Int32Array;
  /** Texts with mentions replaced, for the rows that have mentions. */
  readonly resolvedTexts: ReadonlyMap<number, string>;
  readonly examples: number;
  readonly dropped: { readonly empty: number; readonly system: number; readonly bot: number };
}

const NON_BLANK = /\S/;

/**
 * Decides the examples of a forest. A message is a turn if it is a chat message (type Default or
 * Reply) with non-blank text, by a human unless bots are included; dropped messages vanish from
 * chains, but their replies stay in the thread. An example ends at a kept message that has a kept
 * ancestor and is a leaf of the kept messages (`examplePer: 'leaf'`) or any such message (`'reply'`);
 * it holds the kept messages from its thread's root down to it.
 */
export function planExamples(
  table: MessageTable,
  forest: ReplyForest,
  options: ExamplePlanOptions,
): ExamplePlan {
  const n = table.length;
  const parent = forest.parent;
  const preorder = depthFirstOrder(forest);
  const kept = new Uint8Array(n);
  let empty = 0;
  let system = 0;
  let bot = 0;
  for (let i = 0; i < n; i++) {
    if (table.chat[i] !== 1) system++;
    else if (!NON_BLANK.test(table.contents[i]!)) empty++;
    else if (table.isBot[i] === 1 && !options.includeBots) bot++;
    else kept[i] = 1;
  }
  const keptBelow = new Uint8Array(n);
  for (let k = n - 1; k >= 0; k--) {
    const v = preorder[k]!;
    const p = parent[v]!;
    if (p >= 0 && (kept[v] === 1 || keptBelow[v] === 1)) keptBelow[p] = 1;
  }
  const keptAbove = new Uint8Array(n);
  const rootOf = new Int32Array(n);
  const endpoint = new Uint8Array(n);
  let examples = 0;
  for (let k = 0; k < n; k++) {
    const v = preorder[k]!;
    const p = parent[v]!;
    rootOf[v] = p < 0 ? v : rootOf[p]!;
    if (p >= 0 && (kept[p] === 1 || keptAbove[p] === 1)) keptAbove[v] = 1;
    if (
      kept[v] === 1 &&
      keptAbove[v] === 1 &&
      (options.examplePer === 'reply' || keptBelow[v] === 0) &&
      (!options.assistantAuthor || table.assistant[v] === 1)
    ) {
      endpoint[v] = 1;
      examples++;
    }
  }
  const { authorKeys, latestNames } = authors(table);
  const resolvedTexts = new Map<number, string>();
  const names = options.latestNames ?? latestNames;
  const fallback = (id: string): string | undefined => names.get(id);
  for (let i = 0; i < n; i++) {
    if (kept[i] === 1 && table.mentions[i] !== null) {
      resolvedTexts.set(i, replaceMentions(table.contents[i]!, table.mentions[i]!, fallback));
    }
  }
  return {
    preorder,
    kept,
    endpoint,
    rootOf,
    authorKeys,
    resolvedTexts,
    examples,
    dropped: { empty, system, bot },
  };
}

/**
 * The formatting tasks of a plan, `batchSize` examples each, in plan order. Lazy: a task is built
 * only when the worker pool asks for one, so memory holds a few batches, not every chain. `range`
 * limits them to the examples ending at `plan.preorder[start .. end)` (one thread, say).
 */
export function* formatTasks(
  table: MessageTable,
  forest: ReplyForest,
  plan: ExamplePlan,
  config: FormatConfig,
  batchSize: number,
  range: { readonly start: number; readonly end: number } = { start: 0, end: table.length },
): Generator<FormatTask> {
  const n = table.length;
  const parent = forest.parent;
  const stamp = new Int32Array(n).fill(-1);
  const local = new Int32Array(n);
  const path: number[] = [];
  let batch = 0;
  let speakers: string[] = [];
  let texts: string[] = [];
  let authorKeys: number[] = [];
  let assistant: number[] = [];
  let chains: number[] = [];
  let roots: string[] = [];
  let rootRow = -1;
  let rootId = '';
  const flush = (): FormatTask => {
    const task: FormatTask = {
      config,
      speakers,
      texts,
      authorKeys: Int32Array.from(authorKeys),
      assistant: Uint8Array.from(assistant),
      chains: Int32Array.from(chains),
      roots,
    };
    batch++;
    speakers = [];
    texts = [];
    authorKeys = [];
    assistant = [];
    chains = [];
    roots = [];
    return task;
  };
  for (let k = range.start; k < range.end; k++) {
    const v = plan.preorder[k]!;
    if (plan.endpoint[v] !== 1) continue;
    path.length = 0;
    for (let u = v; u >= 0; u = parent[u]!) if (plan.kept[u] === 1) path.push(u);
    chains.push(path.length);
    for (let j = path.length - 1; j >= 0; j--) {
      const row = path[j]!;
      if (stamp[row] !== batch) {
        stamp[row] = batch;
        local[row] = speakers.length;
        speakers.push(table.names[row]!);
        texts.push(plan.resolvedTexts.get(row) ?? table.contents[row]!);
        authorKeys.push(plan.authorKeys[row]!);
        assistant.push(table.assistant[row]!);
      }
      chains.push(local[row]!);
    }
    const r = plan.rootOf[v]!;
    if (r !== rootRow) {
      rootRow = r;
      rootId = table.ids[r]!.toString();
    }
    roots.push(rootId);
    if (roots.length === batchSize) yield flush();
  }
  if (roots.length > 0) yield flush();
}

/** Rows in depth-first pre-order: roots ascending by id, each thread's children ascending by id. */
function depthFirstOrder(forest: ReplyForest): Int32Array {
  const order = new Int32Array(forest.length);
  const stack = new Int32Array(forest.length);
  let size = 0;
  let at = 0;
  for (let r = 0; r < forest.roots.length; r++) {
    stack[size++] = forest.roots[r]!;
    while (size > 0) {
      const v = stack[--size]!;
      order[at++] = v;
      // Pushed in reverse so that the smallest id is visited first.
      for (let c = forest.childStart[v + 1]! - 1; c >= forest.childStart[v]!; c--)
        stack[size++] = forest.children[c]!;
    }
  }
  return order;
}

/**
 * A dense key per author, and the name each author used last (on their highest id) in the table.
 * Keys come from sorting the author ids (a radix sort on their 32-bit halves), not from a Map of
 * BigInts, which would allocate one BigInt per message.
 */
function authors(table: MessageTable): { authorKeys: Int32Array; latestNames: Map<string, string> } {
  const n = table.length;
  const authorKeys = new Int32Array(n);
  const latestNames = new Map<string, string>();
  if (n === 0) return { authorKeys, latestNames };
  const order = argsortInt64(table.authorIds);
  const words = new Uint32Array(table.authorIds.buffer, table.authorIds.byteOffset, n * 2);
  let key = -1;
  let latest = -1;
  for (let k = 0; k < n; k++) {
    const row = order[k]!;
    if (k === 0 || compareAt(words, order[k - 1]!, words, row) !== 0) {
      if (latest >= 0) latestNames.set(table.authorIds[latest]!.toString(), table.names[latest]!);
      key++;
      latest = -1;
    }
    authorKeys[row] = key;
    // The sort is stable, so rows of one author come in ascending row (= id) order: the last is the latest.
    latest = row;
  }
  latestNames.set(table.authorIds[latest]!.toString(), table.names[latest]!);
  return { authorKeys, latestNames };
}
