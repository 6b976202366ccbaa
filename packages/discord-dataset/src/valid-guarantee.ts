import type { ExamplePlan } from './example-chains.js';
import { formatTasks } from './example-chains.js';
import { formatBatch } from './format-batch.js';
import type { MessageTable } from './message-table.js';
import type { FormatConfig } from './prepare-options.js';
import type { ReplyForest } from './reply-forest.js';
import { splitPoint } from './split.js';

export interface Thread {
  readonly rootId: string;
  readonly point: number;
  /** The thread's rows are `plan.preorder[start .. end)`. */
  readonly start: number;
  readonly end: number;
}

/**
 * The thread that goes to valid although its split point is not below `validFraction`, or undefined.
 * The hash alone can leave valid empty when few threads have examples (on most servers most messages
 * are not replies, so 42 threads may hold 3 conversations), and fine-tuning tools refuse an empty
 * validation set. So when `validFraction` is above 0 and no thread that yields an example has a split
 * point below it, the one with the smallest split point goes to valid, provided another thread with
 * examples is left for train. Depends only on the data and the options that shape examples, never on
 * strategy, worker threads or batch size.
 */
export function guaranteedValidationThread(
  table: MessageTable,
  forest: ReplyForest,
  plan: ExamplePlan,
  config: FormatConfig,
): string | undefined {
  if (!(config.validFraction > 0 && config.validFraction < 1)) return undefined;
  const yieldsExample = (thread: Thread): boolean => threadYieldsExample(table, forest, plan, config, thread);
  const others: Thread[] = [];
  for (const thread of threadsWithExamples(table, forest, plan, config.seed)) {
    if (thread.point >= config.validFraction) others.push(thread);
    // The usual case: the hash sent a thread with examples to valid, so nothing to do.
    else if (yieldsExample(thread)) return undefined;
  }
  others.sort((a, b) => a.point - b.point);
  let chosen: Thread | undefined;
  for (const thread of others) {
    if (!yieldsExample(thread)) continue;
    if (chosen !== undefined) return chosen.rootId;
    chosen = thread;
  }
  return undefined; // fewer than two threads have examples: one thread is not split
}

/** Whether `thread` gives at least one line: one example per task, stopping at the first that survives the limits. */
export function threadYieldsExample(
  table: MessageTable,
  forest: ReplyForest,
  plan: ExamplePlan,
  config: FormatConfig,
  thread: Thread,
): boolean {
  for (const task of formatTasks(table, forest, plan, config, 1, thread)) {
    const result = formatBatch(task);
    if (result.trainExamples + result.validExamples > 0) return true;
  }
  return false;
}

/** The threads that end at least one planned example, in plan order, with their split points. */
export function* threadsWithExamples(
  table: MessageTable,
  forest: ReplyForest,
  plan: ExamplePlan,
  seed: string,
): Generator<Thread> {
  const n = table.length;
  let start = 0;
  while (start < n) {
    // A thread is a root and the rows after it in pre-order up to the next root.
    let end = start + 1;
    let examples = plan.endpoint[plan.preorder[start]!] === 1;
    while (end < n && forest.parent[plan.preorder[end]!]! >= 0) {
      if (plan.endpoint[plan.preorder[end]!] === 1) examples = true;
      end++;
    }
    if (examples) {
      const rootId = table.ids[plan.preorder[start]!]!.toString();
      yield { rootId, point: splitPoint(seed, rootId), start, end };
    }
    start = end;
  }
}
