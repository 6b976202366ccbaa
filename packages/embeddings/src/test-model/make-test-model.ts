import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EmbeddingsInputError } from '../errors.js';
import type { ModelConfig } from '../model-config.js';
import { encodeBertModel } from './bert-graph.js';
import type { BertShape } from './bert-graph.js';
import { buildVocabulary, tokenizerConfig, tokenizerJson } from './vocabulary.js';

export interface TestModelPreset extends BertShape {
  /** Truncation length written to prepkit.json. */
  readonly maxLength: number;
}

/** Shapes of the generated models: `tiny` for tests and the demo, `minilm-l6` = all-MiniLM-L6-v2's shape. */
export const TEST_MODEL_PRESETS: Readonly<Record<'tiny' | 'minilm-l6', TestModelPreset>> = Object.freeze({
  tiny: {
    layers: 2,
    hidden: 32,
    heads: 2,
    intermediate: 128,
    vocabSize: 4096,
    maxPositions: 512,
    typeVocabSize: 2,
    maxLength: 128,
  },
  'minilm-l6': {
    layers: 6,
    hidden: 384,
    heads: 12,
    intermediate: 1536,
    vocabSize: 30522,
    maxPositions: 512,
    typeVocabSize: 2,
    maxLength: 256,
  },
});

export type TestModelPresetName = keyof typeof TEST_MODEL_PRESETS;

export interface MakeTestModelOptions {
  /** Directory to write model.onnx, tokenizer.json, tokenizer_config.json and prepkit.json into. */
  output: string;
  /** Default: `tiny`. */
  preset?: TestModelPresetName;
  /** Seed of the weights and vocabulary. Default: `prepkit`. */
  seed?: string;
}

export interface TestModelInfo {
  readonly dir: string;
  readonly preset: TestModelPresetName;
  readonly shape: TestModelPreset;
  readonly modelBytes: number;
}

/**
 * Writes a BERT-shaped ONNX model with seeded random weights and a matching WordPiece tokenizer,
 * offline and deterministically (same preset and seed ⇒ same bytes). Files are written under
 * temporary names and renamed, so an interrupted run leaves no complete-looking model.
 *
 * @example
 * await makeTestModel({ output: 'models/tiny', preset: 'tiny', seed: '1' });
 */
export async function makeTestModel(options: MakeTestModelOptions): Promise<TestModelInfo> {
  const preset = options.preset ?? 'tiny';
  const shape = TEST_MODEL_PRESETS[preset];
  if (shape === undefined) {
    throw new EmbeddingsInputError(
      `options.preset must be one of ${Object.keys(TEST_MODEL_PRESETS).join(', ')} (got ${String(preset)})`,
    );
  }
  const seed = options.seed ?? 'prepkit';
  const vocabulary = buildVocabulary(shape.vocabSize, seed);
  const model = encodeBertModel(shape, seed);
  const config: ModelConfig = { pooling: 'mean', normalize: true, max_length: shape.maxLength };
  const files: [string, string | Uint8Array][] = [
    ['tokenizer.json', `${JSON.stringify(tokenizerJson(vocabulary))}\n`],
    ['tokenizer_config.json', `${JSON.stringify(tokenizerConfig(shape.maxLength), null, 2)}\n`],
    ['prepkit.json', `${JSON.stringify({ ...config, generated: { preset, seed } }, null, 2)}\n`],
    // Last: a directory with model.onnx is a complete model.
    ['model.onnx', model],
  ];
  await mkdir(options.output, { recursive: true });
  for (const [name, data] of files) {
    const target = join(options.output, name);
    const temporary = `${target}.tmp-${process.pid}`;
    try {
      await writeFile(temporary, data);
      await rename(temporary, target);
    } finally {
      await rm(temporary, { force: true });
    }
  }
  return { dir: options.output, preset, shape, modelBytes: model.byteLength };
}
