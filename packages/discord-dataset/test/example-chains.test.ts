import { describe, expect, it } from 'vitest';
import {
  MessageTableBuilder,
  buildReplyForest,
  formatBatch,
  formatTasks,
  planExamples,
  resolvePrepareOptions,
} from '../src/index.js';
import type { ExamplePlanOptions, FormatConfig, MessageRow, MessageTable } from '../src/index.js';

interface Spec {
  id: string;
  parent?: string;
  author: string;
  text?: string;
  bot?: boolean;
  system?: boolean;
  assistant?: boolean;
  mentions?: string;
}

const authorIds = new Map<string, string>();
/** Numeric ids for the letters the tests use as authors. */
function authorId(author: string): string {
  if (/^\d+$/.test(author)) return author;
  if (!authorIds.has(author)) authorIds.set(author, String(1000 + authorIds.size));
  return authorIds.get(author)!;
}

function table(specs: Spec[]): MessageTable {
  const builder = new MessageTableBuilder();
  for (const s of specs) {
    const row: MessageRow = {
      id: s.id,
      parent_id: s.parent ?? null,
      author_id: authorId(s.author),
      author_name: `u${s.author}`,
      is_bot: s.bot ?? false,
      chat: !(s.system ?? false),
      assistant: s.assistant ?? false,
      content: s.text ?? `m${s.id}`,
      mentions: s.mentions ?? null,
    };
    builder.appendRow(row);
  }
  return builder.finish();
}

const format: FormatConfig = {
  ...resolvePrepareOptions({ db: 'postgresql://x', train: 'a', valid: 'b' }).format,
  minTurns: 1,
  speakerNames: 'none',
};

/** Each example as the texts of its turns. */
function examples(specs: Spec[], options: Partial<ExamplePlanOptions> = {}, batchSize = 2): string[][] {
  const t = table(specs);
  const forest = buildReplyForest(t);
  const plan = planExamples(t, forest, {
    includeBots: false,
    examplePer: 'leaf',
    assistantAuthor: false,
    ...options,
  });
  const out: string[][] = [];
  let count = 0;
  for (const task of formatTasks(t, forest, plan, { ...format, validFraction: 0 }, batchSize)) {
    const result = formatBatch(task);
    count += result.trainExamples + result.tooShort;
    for (const line of Buffer.from(result.train).toString('utf8').trimEnd().split('\n')) {
      if (line === '') continue;
      const { messages } = JSON.parse(line) as { messages: { content: string }[] };
      out.push(messages.map((m) => m.content));
    }
  }
  expect(count).toBe(plan.examples);
  return out;
}

const thread: Spec[] = [
  { id: '1', author: 'a' },
  { id: '2', parent: '1', author: 'b' },
  { id: '3', parent: '2', author: 'a' },
  { id: '4', parent: '1', author: 'c' },
  { id: '5', author: 'd' }, // alone: no example
];

describe('planExamples + formatTasks', () => {
  it('makes one example per leaf, in thread order, with the chain from the root', () => {
    // 1(a) → 2(b) → 3(a): a's first message is an assistant turn before any user turn, so it is dropped.
    expect(examples(thread)).toEqual([
      ['m2', 'm3'],
      ['m1', 'm4'],
    ]);
  });

  it('makes one example per reply with examplePer: reply', () => {
    expect(examples(thread, { examplePer: 'reply' })).toEqual([
      ['m1', 'm2'],
      ['m2', 'm3'],
      ['m1', 'm4'],
    ]);
  });

  it('drops bots, system messages and blank messages from chains, keeping their replies in the thread', () => {
    const specs: Spec[] = [
      { id: '1', author: 'a' },
      { id: '2', parent: '1', author: 'bot', bot: true },
      { id: '3', parent: '2', author: 'b' },
      { id: '4', parent: '3', author: 'x', system: true, text: '' },
      { id: '5', parent: '4', author: 'c', text: '   \n ' },
    ];
    expect(examples(specs)).toEqual([['m1', 'm3']]);
    expect(examples(specs, { includeBots: true })).toEqual([['m1\nm2', 'm3']]);
  });

  it('keeps only chains ending with the assistant author when one is given', () => {
    const specs: Spec[] = [
      { id: '1', author: 'a' },
      { id: '2', parent: '1', author: 'b', assistant: true },
      { id: '3', parent: '2', author: 'a' },
      { id: '4', parent: '1', author: 'b', assistant: true },
    ];
    const t = table(specs);
    const forest = buildReplyForest(t);
    const plan = planExamples(t, forest, { includeBots: false, examplePer: 'reply', assistantAuthor: true });
    expect(plan.examples).toBe(2);
  });

  it('replaces mentions from the message’s list, else the latest name of that author', () => {
    const specs: Spec[] = [
      { id: '1', author: '7', text: 'ping <@8>', mentions: '[{"id":"8","name":"listed"}]' },
      { id: '2', parent: '1', author: '8', text: 'hi <@7> and <@9>', mentions: '[]' },
    ];
    expect(examples(specs)).toEqual([['ping @listed', 'hi @u7 and @unknown-user']]);
  });

  it('gives the same bytes whatever the batch size', () => {
    const specs: Spec[] = [];
    for (let i = 1; i <= 300; i++)
      specs.push({ id: String(i), parent: i % 3 === 1 ? undefined : String(i - 1), author: String(i % 4) });
    const one = examples(specs, {}, 1);
    expect(one.length).toBeGreaterThan(50);
    expect(examples(specs, {}, 7)).toEqual(one);
    expect(examples(specs, {}, 1000)).toEqual(one);
  });
});
