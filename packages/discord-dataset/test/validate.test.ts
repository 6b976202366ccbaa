import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidOptionError } from '@prepkit/bench-harness/errors';
import { describe, expect, it } from 'vitest';
import { validateJsonl } from '../src/index.js';
import type { Consumer } from '../src/index.js';
import { tempDir } from './helpers.js';

const dir = await tempDir();

async function file(name: string, lines: readonly (string | object)[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return path;
}

const good = {
  messages: [
    { role: 'system', content: 'be nice' },
    { role: 'user', content: 'hi' },
    { role: 'assistant', content: 'hello there' },
  ],
};

/** [line, rule] of every problem, for compact assertions. */
async function problems(
  lines: readonly (string | object)[],
  consumers?: Consumer[],
): Promise<[number, string][]> {
  const path = await file('case.jsonl', lines);
  const report = await validateJsonl([path], consumers === undefined ? {} : { consumers });
  return report.problems.map((p) => [p.line, p.rule]);
}

describe('validateJsonl', () => {
  it('accepts good chat, prompt-completion and text files and reports statistics', async () => {
    const chat = await file(
      'chat.jsonl',
      Array.from({ length: 12 }, () => good),
    );
    const report = await validateJsonl([chat]);
    expect(report).toMatchObject({ ok: true, errors: 0, warnings: 0, problems: [] });
    expect(report.files[0]).toMatchObject({
      format: 'messages',
      examples: 12,
      turns: { min: 3, median: 3, p95: 3, max: 3 },
      characters: { min: 20, max: 20 },
      tokens: { min: 5, max: 5 },
    });
    const pc = await file('pc.jsonl', [{ prompt: 'a:', completion: ' b' }]);
    const text = await file('text.jsonl', [{ text: 'hello' }]);
    const both = await validateJsonl([pc, text]);
    expect(both.ok).toBe(true);
    expect(both.files.map((f) => f.format)).toEqual(['prompt-completion', 'text']);
    expect(both.warnings).toBe(2); // fewer than 10 examples, each (OpenAI)
  });

  it('reports each broken rule with its line number', async () => {
    expect(
      await problems([
        good,
        '',
        '{"messages": [',
        '[1, 2]',
        { messages: [] },
        {
          messages: [
            { role: 'user', content: 'q' },
            { role: 'robot', content: 'a' },
          ],
        },
        {
          messages: [
            { role: 'user', content: 'q' },
            { role: 'assistant', content: '' },
          ],
        },
        {
          messages: [
            { role: 'user', content: 'q' },
            { role: 'user', content: 'q2' },
            { role: 'assistant', content: 'a' },
          ],
        },
        {
          messages: [
            { role: 'assistant', content: 'a' },
            { role: 'user', content: 'q' },
          ],
        },
        {
          messages: [
            { role: 'user', content: 'q' },
            { role: 'assistant', content: 'a', weight: 2, extra: 1 },
          ],
        },
        {
          messages: [
            { role: 'user', content: 'q' },
            { role: 'system', content: 's' },
            { role: 'assistant', content: 'a' },
          ],
        },
        { messages: [{ role: 'user', content: 'q' }] },
        { messages: [{ role: 'user' }, { role: 'assistant', content: 'a' }] },
        { prompt: 'p', completion: 'c' },
        { text: 'x', messages: good.messages },
        { other: 1 },
      ]),
    ).toEqual([
      [2, 'blank-line'],
      [3, 'invalid-json'],
      [4, 'not-object'],
      [5, 'missing-messages'],
      [6, 'unrecognized-role'],
      [6, 'no-assistant'],
      [7, 'empty-content'],
      [8, 'not-alternating'],
      [9, 'first-not-user'],
      [9, 'last-not-assistant'],
      [10, 'unrecognized-key'],
      [10, 'bad-weight'],
      [11, 'system-not-first'],
      [12, 'no-assistant'],
      [13, 'missing-content'],
      [14, 'mixed-formats'],
      [15, 'ambiguous-format'],
      [16, 'unknown-format'],
    ]);
  });

  it('applies only the chosen consumers’ rules', async () => {
    const lines = [
      {
        messages: [
          { role: 'user', content: 'q' },
          { role: 'user', content: 'q2' },
          { role: 'assistant', content: 'a', extra: 1 },
        ],
      },
    ];
    expect(await problems(lines, ['strict'])).toEqual([[1, 'not-alternating']]);
    expect(await problems(lines, ['openai'])).toEqual([
      [1, 'unrecognized-key'],
      [0, 'few-examples'],
    ]);
    expect(await problems(lines, ['mlx'])).toEqual([]);
  });

  it('fails an empty file for every consumer and counts problems beyond maxProblems', async () => {
    const empty = join(dir, 'empty.jsonl');
    await writeFile(empty, '');
    const report = await validateJsonl([empty]);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.rule)).toEqual(['empty-file']);
    const many = await file(
      'many.jsonl',
      Array.from({ length: 30 }, () => '{bad'),
    );
    const capped = await validateJsonl([many], { maxProblems: 5 });
    expect(capped.problems).toHaveLength(5);
    expect(capped.errors).toBe(30);
  });

  it('rejects unknown consumers and missing files as option errors', async () => {
    await expect(validateJsonl([join(dir, 'nope.jsonl')])).rejects.toThrow(InvalidOptionError);
    await expect(validateJsonl([join(dir, 'x')], { consumers: ['together' as Consumer] })).rejects.toThrow(
      /consumers must be among openai, mlx, strict/,
    );
  });
});
