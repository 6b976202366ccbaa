import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Embedder } from '../src/embedder.js';
import { makeTestModel } from '../src/test-model/make-test-model.js';

let dir: string;
let embedder: Embedder;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'embeddings-test-'));
  await makeTestModel({ output: join(dir, 'tiny'), preset: 'tiny', seed: 'test' });
  embedder = await Embedder.open({ model: join(dir, 'tiny'), threads: 1, maxBatchTokens: 512 });
});

afterAll(async () => {
  await embedder.close();
  await rm(dir, { recursive: true, force: true });
});

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

const TEXTS = [
  'hello world',
  'the database is slow today and the query needs an index on the message table',
  'a',
  'thanks',
  'build the vector search index after the bulk load, then check the nearest rows for a few questions',
];

describe('Embedder', () => {
  it('tokenises on its worker thread exactly as on the calling thread', async () => {
    const texts = [...TEXTS, null, '   ', 'broken \uD800 text', 'word '.repeat(400)];
    const here = embedder.tokenize(texts);
    const there = await embedder.tokenizeInWorker(texts);
    expect(there.ids).toEqual(here.ids);
    expect(there.offsets).toEqual(here.offsets);
    expect(here.failures.slice(TEXTS.length, TEXTS.length + 3)).toEqual([
      'null_text',
      'empty_text',
      'invalid_utf8',
    ]);
    expect(there.failures).toEqual(here.failures);
    expect(there.truncated).toBe(1);
  });

  it('gives each text in a padded batch the vector it gets alone', async () => {
    const together = await embedder.embed(TEXTS);
    expect(together.batches).toBeLessThan(TEXTS.length);
    expect(together.paddedTokens).toBeGreaterThan(together.tokens);
    for (const [i, text] of TEXTS.entries()) {
      const alone = await embedder.embed([text]);
      expect(cosine(together.vectors[i]!, alone.vectors[0]!)).toBeGreaterThanOrEqual(0.99999);
    }
  });

  it('gives different texts different, unit-length vectors, in input order', async () => {
    const { vectors, dim } = await embedder.embed(TEXTS);
    expect(dim).toBe(32);
    for (const v of vectors) expect(Math.hypot(...v!)).toBeCloseTo(1, 5);
    const reversed = await embedder.embed([...TEXTS].reverse());
    for (const [i, v] of vectors.entries())
      expect(cosine(v!, reversed.vectors[TEXTS.length - 1 - i]!)).toBeGreaterThanOrEqual(0.99999);
    expect(cosine(vectors[0]!, vectors[1]!)).toBeLessThan(0.999);
  });

  it('records null, empty and invalid texts as failures without vectors', async () => {
    const result = await embedder.embed([null, '   ', 'ok text', 'bad \uD800 text']);
    expect(result.failures).toEqual(['null_text', 'empty_text', undefined, 'invalid_utf8']);
    expect(result.vectors[2]).toBeInstanceOf(Float32Array);
    expect(result.vectors[0]).toBeUndefined();
  });

  it('truncates to max_length and counts it', async () => {
    const long = Array.from({ length: 400 }, () => 'word').join(' ');
    const result = await embedder.embed([long, 'short']);
    expect(result.truncated).toBe(1);
    expect(result.tokens).toBe(128 + 3);
  });
});

describe('tokenizeTexts', () => {
  it('gives a long text the same truncated ids from its first words as from the whole text', async () => {
    const { tokenizeTexts } = await import('../src/tokenize.js');
    const { Prng } = await import('@prepkit/bench-harness');
    const { generateText } = await import('../src/generate.js');
    const prng = new Prng('long');
    const texts: string[] = [];
    while (texts.length < 40) {
      const t = generateText(prng);
      if (t !== null && t.length > 600) texts.push(t);
    }
    texts.push(`${'x'.repeat(300)} ${'word '.repeat(300)}`, `${'. '.repeat(400)}`);
    const fast = tokenizeTexts(embedder.model.tokenizer, texts, 128, embedder.model.wordEncoder);
    const whole = tokenizeTexts(embedder.model.tokenizer, texts, 128);
    expect(fast.ids).toEqual(whole.ids);
    expect(fast.offsets).toEqual(whole.offsets);
    expect(fast.truncated).toBe(whole.truncated);
    expect(fast.truncated).toBeGreaterThan(30);
  });
});
