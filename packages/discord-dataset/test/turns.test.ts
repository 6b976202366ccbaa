import { describe, expect, it } from 'vitest';
import {
  UNKNOWN_MENTION,
  buildTurns,
  renderLine,
  replaceMentions,
  resolvePrepareOptions,
} from '../src/index.js';
import type { ChainMessages, FormatConfig, Turn } from '../src/index.js';

const base = resolvePrepareOptions({ db: 'postgresql://x', train: 'a', valid: 'b' }).format;

function config(overrides: Partial<FormatConfig> = {}): FormatConfig {
  return { ...base, ...overrides };
}

/** A chain of [speaker, text] pairs; authors are identified by speaker name. */
function chain(messages: [string, string][], assistantAuthor?: string): ChainMessages {
  const keys = new Map<string, number>();
  return {
    length: messages.length,
    speaker: (k) => messages[k]![0],
    text: (k) => messages[k]![1],
    authorKey: (k) => {
      const name = messages[k]![0];
      if (!keys.has(name)) keys.set(name, keys.size);
      return keys.get(name)!;
    },
    isAssistantAuthor: (k) => messages[k]![0] === assistantAuthor,
  };
}

function turns(
  messages: [string, string][],
  c: FormatConfig = config(),
  assistantAuthor?: string,
): Turn[] | string {
  const built = buildTurns(chain(messages, assistantAuthor), c);
  return 'skipped' in built ? built.skipped : built.turns;
}

describe('buildTurns', () => {
  it('makes the last message the assistant, and earlier messages by the same author too', () => {
    expect(
      turns([
        ['ann', 'q1'],
        ['bo', 'a1'],
        ['ann', 'q2'],
        ['bo', 'a2'],
      ]),
    ).toEqual([
      { role: 'user', speakers: ['ann'], texts: ['q1'] },
      { role: 'assistant', speakers: ['bo'], texts: ['a1'] },
      { role: 'user', speakers: ['ann'], texts: ['q2'] },
      { role: 'assistant', speakers: ['bo'], texts: ['a2'] },
    ]);
  });

  it('merges consecutive same-role messages, keeping each speaker', () => {
    expect(
      turns([
        ['ann', 'hi'],
        ['cy', 'hey'],
        ['bo', 'hello'],
        ['bo', 'again'],
      ]),
    ).toEqual([
      { role: 'user', speakers: ['ann', 'cy'], texts: ['hi', 'hey'] },
      { role: 'assistant', speakers: ['bo', 'bo'], texts: ['hello', 'again'] },
    ]);
  });

  it('drops leading assistant turns so that conversations start with a user', () => {
    expect(
      turns([
        ['bo', 'opening'],
        ['ann', 'q'],
        ['bo', 'a'],
      ]),
    ).toEqual([
      { role: 'user', speakers: ['ann'], texts: ['q'] },
      { role: 'assistant', speakers: ['bo'], texts: ['a'] },
    ]);
    expect(
      turns([
        ['bo', 'monologue'],
        ['bo', 'more'],
      ]),
    ).toBe('short');
  });

  it('with assistantAuthor, that author is the assistant everywhere', () => {
    const c = config({ assistantAuthor: true });
    expect(
      turns(
        [
          ['ann', 'q'],
          ['bo', 'a'],
          ['cy', 'follow-up'],
          ['bo', 'b'],
        ],
        c,
        'bo',
      ),
    ).toEqual([
      { role: 'user', speakers: ['ann'], texts: ['q'] },
      { role: 'assistant', speakers: ['bo'], texts: ['a'] },
      { role: 'user', speakers: ['cy'], texts: ['follow-up'] },
      { role: 'assistant', speakers: ['bo'], texts: ['b'] },
    ]);
  });

  it('applies minTurns, maxTurns and maxChars', () => {
    const long: [string, string][] = [
      ['ann', 'q1'],
      ['bo', 'a1'],
      ['ann', 'q2'],
      ['bo', 'a2'],
      ['ann', 'q3'],
      ['bo', 'a3'],
    ];
    expect(turns(long, config({ minTurns: 7 }))).toBe('short');
    const three = turns(long, config({ maxTurns: 3 })) as Turn[];
    expect(three.map((t) => t.texts[0])).toEqual(['q3', 'a3']); // the leading assistant of the last 3 is dropped
    const four = turns(long, config({ maxTurns: 4 })) as Turn[];
    expect(four.map((t) => t.texts[0])).toEqual(['q2', 'a2', 'q3', 'a3']);
    // "ann: q3" (7) + "a3" (2) = 9 characters fit; one more pair (9) does not.
    const fitted = turns(long, config({ maxChars: 17 })) as Turn[];
    expect(fitted.map((t) => t.texts[0])).toEqual(['q3', 'a3']);
    expect(turns(long, config({ maxChars: 8 }))).toBe('long');
  });
});

describe('renderLine', () => {
  const t: Turn[] = [
    { role: 'user', speakers: ['ann', 'cy'], texts: ['hi "there"', 'line\nbreak'] },
    { role: 'assistant', speakers: ['bo'], texts: ['hello 👋'] },
  ];

  it('writes the messages format with speaker prefixes on user turns', () => {
    expect(renderLine(t, config())).toBe(
      '{"messages":[{"role":"user","content":"ann: hi \\"there\\"\\ncy: line\\nbreak"},{"role":"assistant","content":"hello 👋"}]}',
    );
    expect(JSON.parse(renderLine(t, config({ speakerNames: 'none' })))).toEqual({
      messages: [
        { role: 'user', content: 'hi "there"\nline\nbreak' },
        { role: 'assistant', content: 'hello 👋' },
      ],
    });
  });

  it('writes prompt-completion and text transcripts', () => {
    expect(JSON.parse(renderLine(t, config({ format: 'prompt-completion' })))).toEqual({
      prompt: 'ann: hi "there"\ncy: line\nbreak\nbo:',
      completion: ' hello 👋',
    });
    expect(JSON.parse(renderLine(t, config({ format: 'text' })))).toEqual({
      text: 'ann: hi "there"\ncy: line\nbreak\nbo: hello 👋',
    });
  });
});

describe('replaceMentions', () => {
  const listed = JSON.stringify([
    { id: '42', name: 'ada', nickname: 'Ada L.' },
    { id: '43', name: 'bob', nickname: null },
  ]);
  const fallback = (id: string): string | undefined => (id === '44' ? 'cy' : undefined);

  it('uses the message’s mention list (nickname first), then the fallback, then a placeholder', () => {
    expect(replaceMentions('<@42> and <@!43> and <@44> and <@45>', listed, fallback)).toBe(
      `@Ada L. and @bob and @cy and ${UNKNOWN_MENTION}`,
    );
  });

  it('leaves role and channel mentions and text without mentions alone', () => {
    expect(replaceMentions('<@&42> in <#43>', listed, fallback)).toBe('<@&42> in <#43>');
    expect(replaceMentions('no mentions', null, fallback)).toBe('no mentions');
    expect(replaceMentions('<@42>', 'not json', fallback)).toBe(UNKNOWN_MENTION);
  });
});
