import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelFiles } from '../src/model.js';
import { makeTestModel } from '../src/test-model/make-test-model.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'embeddings-model-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const FILES = ['model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'prepkit.json'];

describe('makeTestModel', () => {
  it('writes the same bytes for the same seed and different weights for another', async () => {
    await makeTestModel({ output: join(dir, 'a'), seed: '7' });
    await makeTestModel({ output: join(dir, 'b'), seed: '7' });
    await makeTestModel({ output: join(dir, 'c'), seed: '8' });
    for (const file of FILES) {
      expect(await readFile(join(dir, 'b', file)), file).toEqual(await readFile(join(dir, 'a', file)));
    }
    expect(await readFile(join(dir, 'c', 'model.onnx'))).not.toEqual(
      await readFile(join(dir, 'a', 'model.onnx')),
    );
  });

  it('builds a tokenizer with [PAD]=0 that @huggingface/tokenizers loads, and a graph ONNX Runtime runs', async () => {
    const { tokenizer } = await loadModelFiles(join(dir, 'a'));
    expect(tokenizer.token_to_id('[PAD]')).toBe(0);
    const { ids, tokens } = tokenizer.encode('Hello, World: zorblax!');
    expect(tokens[0]).toBe('[CLS]');
    expect(tokens.at(-1)).toBe('[SEP]');
    expect(tokens).toContain('hello');
    expect(tokens.some((t) => t.startsWith('##'))).toBe(true);
    const session = await ort.InferenceSession.create(join(dir, 'a', 'model.onnx'));
    const n = ids.length;
    const tensor = (values: bigint[]) => new ort.Tensor('int64', BigInt64Array.from(values), [1, n]);
    const out = await session.run({
      input_ids: tensor(ids.map(BigInt)),
      attention_mask: tensor(ids.map(() => 1n)),
      token_type_ids: tensor(ids.map(() => 0n)),
    });
    expect(out.last_hidden_state!.dims).toEqual([1, n, 32]);
    await session.release();
  });
});
