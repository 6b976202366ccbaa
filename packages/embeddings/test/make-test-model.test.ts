import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { RunReporter } from '@prepkit/bench-harness';
import { assertVerified } from '@prepkit/record-io';
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

  it('lists every file in a manifest.json written last, with the phases the reporter timed', async () => {
    const reporter = new RunReporter({ name: 'test', quiet: true });
    const info = await makeTestModel({ output: join(dir, 'm'), seed: '7', reporter });
    const report = reporter.finish();
    expect(info.manifest).toBe(join(dir, 'm', 'manifest.json'));
    const manifest = await assertVerified(join(dir, 'm'));
    expect(manifest.outputs.map((o) => o.path).sort()).toEqual([...FILES].sort());
    expect(manifest.config).toEqual({ output: join(dir, 'm'), preset: 'tiny', seed: '7', overwrite: false });
    expect(manifest.phases.map((p) => p.name)).toEqual(['vocabulary', 'graph', 'write']);
    expect(report.phases.map((p) => p.name)).toEqual(['vocabulary', 'graph', 'write']);
    expect(manifest.phases.every((p) => p.wallMs > 0)).toBe(true);
    // Same bytes as a run without a reporter.
    expect(await readFile(join(dir, 'm', 'model.onnx'))).toEqual(
      await readFile(join(dir, 'a', 'model.onnx')),
    );
  });

  it('refuses to write over a model without overwrite', async () => {
    await expect(makeTestModel({ output: join(dir, 'a'), seed: '9' })).rejects.toThrow(
      /already holds manifest.json, tokenizer.json.*pass --overwrite/,
    );
    expect(JSON.parse(await readFile(join(dir, 'a', 'prepkit.json'), 'utf8'))).toMatchObject({
      generated: { seed: '7' },
    });
  });

  it('leaves no complete-looking model when a write fails, and removes what it wrote', async () => {
    const out = join(dir, 'blocked');
    await makeTestModel({ output: out, seed: '7' });
    // model.onnx, written last, cannot replace a directory: the run fails after three files.
    await rm(join(out, 'model.onnx'));
    await mkdir(join(out, 'model.onnx', 'inside'), { recursive: true });
    await expect(makeTestModel({ output: out, seed: '8', overwrite: true })).rejects.toThrow();
    expect((await readdir(out)).sort()).toEqual(['model.onnx']);
  });

  it('removes the directory it created when interrupted', async () => {
    const controller = new AbortController();
    const reporter = new RunReporter({ name: 'test', quiet: true });
    const out = join(dir, 'interrupted', 'model');
    const run = makeTestModel({ output: out, signal: controller.signal, reporter });
    controller.abort();
    await expect(run).rejects.toMatchObject({ code: 'PREPKIT_ABORTED', kind: 'aborted' });
    expect(await readdir(dir)).not.toContain('interrupted');
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
