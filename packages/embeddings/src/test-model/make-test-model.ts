import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Phase, RunReporter } from '@prepkit/bench-harness';
import {
  AbortedError,
  assertNonEmptyString,
  assertOneOf,
  throwIfAborted,
} from '@prepkit/bench-harness/errors';
import { MANIFEST_FILE, openAtomicFile, writeManifest } from '@prepkit/record-io';
import type { ManifestPhase } from '@prepkit/record-io';
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
  const phases: ManifestPhase[] = [];
  const phase = <T>(name: string, body: (p?: Phase) => T | Promise<T>, unit?: string): Promise<T> =>
    timedPhase(phases, o.reporter, name, body, unit);
  const dir = resolve(o.output);
  const created = await mkdir(dir, { recursive: true });
  const written: string[] = [];
  try {
    await clearOldModel(dir, o.overwrite);
    const vocabulary = await phase('vocabulary', () => buildVocabulary(shape.vocabSize, o.seed));
    throwIfAborted(o.signal, 'make-test-model');
    const model = await phase('graph', () => encodeBertModel(shape, o.seed));
    const config: ModelConfig = { pooling: 'mean', normalize: true, max_length: shape.maxLength };
    const contents: Record<(typeof MODEL_FILES)[number], string | Uint8Array> = {
      'tokenizer.json': `${JSON.stringify(tokenizerJson(vocabulary))}\n`,
      'tokenizer_config.json': `${JSON.stringify(tokenizerConfig(shape.maxLength), null, 2)}\n`,
      'prepkit.json': `${JSON.stringify({ ...config, generated: { preset: o.preset, seed: o.seed } }, null, 2)}\n`,
      'model.onnx': model,
    };
    await phase(
      'write',
      async (progress) => {
        progress?.setTotal(MODEL_FILES.length);
        for (const name of MODEL_FILES) {
          throwIfAborted(o.signal, 'make-test-model');
          await using file = await openAtomicFile(join(dir, name));
          await file.write(contents[name]);
          await file.commit();
          written.push(file.path);
          progress?.advance();
        }
      },
      'files',
    );
    await writeManifest(dir, {
      tool: { name: '@prepkit/embeddings', version: PACKAGE_VERSION },
      config: { output: o.output, preset: o.preset, seed: o.seed, overwrite: o.overwrite },
      outputs: [...MODEL_FILES],
      phases,
    });
    return {
      dir: o.output,
      preset: o.preset,
      shape,
      modelBytes: model.byteLength,
      manifest: join(dir, MANIFEST_FILE),
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

/** Refuses to write over a model unless `overwrite`; then removes its manifest first, as it will not match. */
async function clearOldModel(dir: string, overwrite: boolean): Promise<void> {
  const existing = [MANIFEST_FILE, ...MODEL_FILES].filter((name) => existsSync(join(dir, name)));
  if (existing.length === 0) return;
  if (!overwrite)
    throw new EmbeddingsInputError(
      `${dir} already holds ${existing.join(', ')}; pass --overwrite to replace them`,
    );
  await rm(join(dir, MANIFEST_FILE), { force: true });
}

/** Runs `body` as a reporter phase (when there is a reporter) and records its wall time for the manifest. */
async function timedPhase<T>(
  phases: ManifestPhase[],
  reporter: RunReporter | undefined,
  name: string,
  body: (phase?: Phase) => T | Promise<T>,
  unit?: string,
): Promise<T> {
  const started = performance.now();
  const result =
    reporter === undefined
      ? await body()
      : await reporter.phase(name, body, unit === undefined ? {} : { unit });
  phases.push({ name, wallMs: performance.now() - started });
  return result;
}
