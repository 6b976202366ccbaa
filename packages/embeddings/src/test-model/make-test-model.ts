import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PhaseLog } from '@prepkit/bench-harness';
import type { RunReporter } from '@prepkit/bench-harness';
import {
  AbortedError,
  assertNonEmptyString,
  assertOneOf,
  throwIfAborted,
} from '@prepkit/bench-harness/errors';
import { MANIFEST_FILE, beginOutputSet, openAtomicFile } from '@prepkit/record-io';
import { definedFields } from '../defined-fields.js';
import { EmbeddingsInputError } from '../errors.js';
import type { ModelConfig } from '../model-config.js';
import { encodeBertModel } from './bert-graph.js';
import type { BertShape } from './bert-graph.js';
import { PACKAGE_VERSION } from '../version.js';
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
  /** Directory to write model.onnx, tokenizer.json, tokenizer_config.json, prepkit.json and manifest.json into. */
  output: string;
  /** Default: `tiny`. */
  preset?: TestModelPresetName;
  /** Seed of the weights and vocabulary. Default: `prepkit`. */
  seed?: string;
  /** Replace a model already in `output` (else that is an error). Default: false. */
  overwrite?: boolean;
  /** Stops the run; what it wrote is removed. */
  signal?: AbortSignal;
  /** Receives the phases `vocabulary`, `graph` and `write`. */
  reporter?: RunReporter;
}

export type ResolvedMakeTestModelOptions = Readonly<
  Required<Omit<MakeTestModelOptions, 'signal' | 'reporter'>> & {
    signal: AbortSignal | undefined;
    reporter: RunReporter | undefined;
  }
>;

export const DEFAULT_MAKE_TEST_MODEL_OPTIONS = Object.freeze({
  preset: 'tiny',
  seed: 'prepkit',
  overwrite: false,
});

/** Fills defaults and validates once (`options.preset must be one of tiny, minilm-l6 (got huge)`). */
export function resolveMakeTestModelOptions(options: MakeTestModelOptions): ResolvedMakeTestModelOptions {
  const resolved = {
    ...DEFAULT_MAKE_TEST_MODEL_OPTIONS,
    ...definedFields(options),
    signal: options.signal,
    reporter: options.reporter,
  };
  assertNonEmptyString('output', resolved.output);
  assertOneOf('preset', resolved.preset, Object.keys(TEST_MODEL_PRESETS) as TestModelPresetName[]);
  return Object.freeze(resolved);
}

export interface TestModelInfo {
  readonly dir: string;
  readonly preset: TestModelPresetName;
  readonly shape: TestModelPreset;
  readonly modelBytes: number;
  /** `dir/manifest.json`: every file with its size and SHA-256, written last. */
  readonly manifest: string;
}

// In writing order: a directory with model.onnx can be loaded, one with manifest.json is complete.
const MODEL_FILES = ['tokenizer.json', 'tokenizer_config.json', 'prepkit.json', 'model.onnx'] as const;

/**
 * Writes a BERT-shaped ONNX model with seeded random weights and a matching WordPiece tokenizer,
 * offline and deterministically (same preset and seed ⇒ same bytes). Each file appears under its
 * name only once complete, and manifest.json last; a run that fails or is interrupted removes what
 * it wrote, so no directory looks like a finished model that is not one.
 *
 * @example
 * await makeTestModel({ output: 'models/tiny', preset: 'tiny', seed: '1' });
 */
export async function makeTestModel(options: MakeTestModelOptions): Promise<TestModelInfo> {
  const o = resolveMakeTestModelOptions(options);
  const shape = TEST_MODEL_PRESETS[o.preset];
  const log = new PhaseLog(o.reporter);
  const dir = resolve(o.output);
  // The directory this run creates (the first missing one on the way to `dir`) goes entirely on failure.
  const created = firstMissing(dir);
  const written: string[] = [];
  try {
    refuseExistingModel(dir, o.overwrite);
    const set = await beginOutputSet(dir, { files: MODEL_FILES, overwrite: o.overwrite });
    const vocabulary = await log.phase('vocabulary', () => buildVocabulary(shape.vocabSize, o.seed));
    throwIfAborted(o.signal, 'make-test-model');
    const model = await log.phase('graph', () => encodeBertModel(shape, o.seed));
    const config: ModelConfig = { pooling: 'mean', normalize: true, max_length: shape.maxLength };
    const contents: Record<(typeof MODEL_FILES)[number], string | Uint8Array> = {
      'tokenizer.json': `${JSON.stringify(tokenizerJson(vocabulary))}\n`,
      'tokenizer_config.json': `${JSON.stringify(tokenizerConfig(shape.maxLength), null, 2)}\n`,
      'prepkit.json': `${JSON.stringify({ ...config, generated: { preset: o.preset, seed: o.seed } }, null, 2)}\n`,
      'model.onnx': model,
    };
    await log.phase(
      'write',
      async (progress) => {
        progress.setTotal(MODEL_FILES.length);
        for (const name of MODEL_FILES) {
          throwIfAborted(o.signal, 'make-test-model');
          await using file = await openAtomicFile(set.path(name));
          await file.write(contents[name]);
          await file.commit();
          written.push(file.path);
          progress.advance();
        }
      },
      { unit: 'files' },
    );
    await set.commit({
      tool: { name: '@prepkit/embeddings', version: PACKAGE_VERSION },
      config: { output: o.output, preset: o.preset, seed: o.seed, overwrite: o.overwrite },
      outputs: [...MODEL_FILES],
      phases: log.phases,
    });
    return {
      dir: o.output,
      preset: o.preset,
      shape,
      modelBytes: model.byteLength,
      manifest: set.path(MANIFEST_FILE),
    };
  } catch (error) {
    // A directory this run created goes entirely; in one that was there, only the files it wrote.
    if (created !== undefined) await rm(created, { recursive: true, force: true });
    else await Promise.all(written.map((path) => rm(path, { force: true })));
    if (o.signal?.aborted === true && !(error instanceof AbortedError))
      throw new AbortedError('make-test-model', { cause: error });
    throw error;
  }
}

/** The outermost directory on the way to `dir` that does not exist yet (undefined when `dir` exists). */
function firstMissing(dir: string): string | undefined {
  let missing: string | undefined;
  for (let path = dir; !existsSync(path); path = dirname(path)) {
    missing = path;
    if (dirname(path) === path) break;
  }
  return missing;
}

/**
 * Refuses to write over a model unless `overwrite`. Stricter than `beginOutputSet`, which replaces files
 * that no manifest lists: a model downloaded by hand has no manifest either, and is not a leftover.
 */
function refuseExistingModel(dir: string, overwrite: boolean): void {
  const existing = [MANIFEST_FILE, ...MODEL_FILES].filter((name) => existsSync(join(dir, name)));
  if (existing.length === 0 || overwrite) return;
  throw new EmbeddingsInputError(
    `${dir} already holds ${existing.join(', ')}; pass --overwrite to replace them`,
  );
}
