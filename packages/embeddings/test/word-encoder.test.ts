import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prng } from '@prepkit/bench-harness';
import { generateText } from '../src/generate.js';
import { loadModelFiles } from '../src/model.js';
import type { ModelFiles } from '../src/model.js';
import { makeTestModel } from '../src/test-model/make-test-model.js';
import { createTokenizer } from '../src/text-tokenizer.js';
import { tokenizeTexts } from '../src/tokenize.js';
import { WordEncoder } from '../src/word-encoder.js';

let dir: string;
let model: ModelFiles;
let tokenizerJson: Record<string, unknown>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'embeddings-words-'));
  await makeTestModel({ output: dir, preset: 'tiny', seed: 'words' });
  model = await loadModelFiles(dir);
  tokenizerJson = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Texts where splitting at the wrong characters, or normalising words apart, would change the ids.
const TRICKY = [
  'Hello,   World!',
  '  padded on both sides  ',
  'tabs\tand\nnewlines\r\nand\r carriage returns',
  'Ünïcödé àccents, naïve café, ÅNGSTRÖM',
  '我爱北京天安门 and 日本語のテキスト mixed中文words',
  'ΟΔΟΣ ΟΔΟΣ. Σ ΣΑ ΑΣ ΑΣ,ΑΣ',
  'vertical\u000btab and form\u000cfeed join the words around them',
  'zero\u200bwidth, non\u00a0breaking, ideographic\u3000space, en\u2002space',
  'e \u0301 x \u0301\u0301 y\u0301',
  'special tokens in text: [CLS] [MASK]x y[SEP] [UNK]. [PAD]',
  `${'x'.repeat(150)} longer than any word the model takes`,
  'emoji 👍🏽 ok 🎉🎉',
  '3.14159, $100.00 (approx.) -- e-mail: a@b.c; 50% off!!!',
  'İstanbul ǅemal ẞ ﬁnance',
];

describe('WordEncoder', () => {
  it('is used for BERT-style tokenizers such as the test model', () => {
    expect(model.wordEncoder).toBeInstanceOf(WordEncoder);
  });

  it('gives the same ids as the tokenizer for tricky and generated texts', () => {
    const encoder = model.wordEncoder!;
    const prng = new Prng('word-encoder');
    const texts = [...TRICKY];
    while (texts.length < TRICKY.length + 300) {
      const text = generateText(prng);
      if (text !== null) texts.push(text);
    }
    for (const text of texts) {
      expect(encoder.encode(text, Number.POSITIVE_INFINITY), JSON.stringify(text)).toEqual(
        model.tokenizer.encode(text).ids,
      );
    }
  });

  it('gives the same ids when it forgets words as it goes', () => {
    const forgetful = WordEncoder.for(model.tokenizer, tokenizerJson, 3)!;
    for (const text of [...TRICKY, ...TRICKY]) {
      expect(forgetful.encode(text, Number.POSITIVE_INFINITY)).toEqual(model.tokenizer.encode(text).ids);
    }
  });

  it('stops early on long texts without changing the truncated result or the count', () => {
    const texts = [...TRICKY, 'word '.repeat(50), 'word '.repeat(13), 'a b c d e f g h i j k l m n'];
    for (const maxLength of [2, 3, 8, 16, 64]) {
      const fast = tokenizeTexts(model.tokenizer, texts, maxLength, model.wordEncoder);
      const whole = tokenizeTexts(model.tokenizer, texts, maxLength);
      expect(fast.ids).toEqual(whole.ids);
      expect(fast.offsets).toEqual(whole.offsets);
      expect(fast.truncated).toBe(whole.truncated);
    }
    const at16 = tokenizeTexts(model.tokenizer, texts, 16, model.wordEncoder);
    expect(at16.truncated).toBeGreaterThan(3);
  });

  it('gives the same ids with the other word-local pre-tokenizers and no normalizer', () => {
    const variants = [
      { pre_tokenizer: { type: 'Whitespace' } },
      { pre_tokenizer: { type: 'WhitespaceSplit' } },
      { normalizer: null },
      { normalizer: null, pre_tokenizer: { type: 'Whitespace' } },
    ];
    for (const variant of variants) {
      const json = { ...tokenizerJson, ...variant };
      const tokenizer = createTokenizer(json, {});
      const encoder = WordEncoder.for(tokenizer, json);
      expect(encoder, JSON.stringify(variant)).toBeInstanceOf(WordEncoder);
      for (const text of TRICKY) {
        expect(encoder!.encode(text, Number.POSITIVE_INFINITY), JSON.stringify([variant, text])).toEqual(
          tokenizer.encode(text).ids,
        );
      }
    }
  });

  it('is not used where words are not tokenised alone', () => {
    const withPreTokenizer = (preTokenizer: unknown): object => ({
      ...tokenizerJson,
      pre_tokenizer: preTokenizer,
    });
    expect(WordEncoder.for(model.tokenizer, withPreTokenizer({ type: 'ByteLevel' }))).toBeUndefined();
    expect(WordEncoder.for(model.tokenizer, withPreTokenizer(null))).toBeUndefined();
    expect(
      WordEncoder.for(model.tokenizer, { ...tokenizerJson, normalizer: { type: 'Replace' } }),
    ).toBeUndefined();
    const added = tokenizerJson.added_tokens as object[];
    expect(
      WordEncoder.for(model.tokenizer, {
        ...tokenizerJson,
        added_tokens: [...added, { id: 9999, content: 'two words', special: false }],
      }),
    ).toBeUndefined();
  });
});
