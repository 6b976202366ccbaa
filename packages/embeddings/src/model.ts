import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ModelError } from './errors.js';
import type { ModelConfig, Pooling } from './model-config.js';
import { createTokenizer } from './text-tokenizer.js';
import type { TextTokenizer } from './text-tokenizer.js';
import { WordEncoder } from './word-encoder.js';

/** `prepkit.json` resolved with its defaults. */
export interface ResolvedModelConfig {
  readonly pooling: Pooling;
  readonly normalize: boolean;
  readonly maxLength: number;
}

/** A model directory, loaded: its paths, resolved settings and tokenizer. */
export interface ModelFiles {
  readonly dir: string;
  readonly modelPath: string;
  readonly config: ResolvedModelConfig;
  readonly tokenizer: TextTokenizer;
  /** Id of the padding token (`[PAD]`, else 0). */
  readonly padId: number;
  /** Encodes word by word with a memory of each word's ids, when the tokenizer allows it. */
  readonly wordEncoder: WordEncoder | undefined;
}

const DEFAULT_MAX_LENGTH = 256;

/**
 * Loads a model directory: `model.onnx`, `tokenizer.json` (and `tokenizer_config.json` when present),
 * and the optional `prepkit.json` (`pooling`, `normalize`, `max_length`). A missing file or a bad
 * setting is a {@link ModelError} naming the directory and what to do.
 *
 * @example
 * const model = await loadModelFiles('models/all-MiniLM-L6-v2');
 */
export async function loadModelFiles(dir: string): Promise<ModelFiles> {
  const abs = resolve(dir);
  if (!existsSync(abs))
    throw new ModelError(dir, 'no such directory (make one with `embeddings make-test-model`)');
  const modelPath = join(abs, 'model.onnx');
  if (!existsSync(modelPath)) {
    throw new ModelError(
      dir,
      'no model.onnx (an ONNX export of the encoder, e.g. onnx/model.onnx of a Hub repo)',
    );
  }
  const tokenizerJson = (await readJson(dir, 'tokenizer.json', true))!;
  const tokenizerConfig = (await readJson(dir, 'tokenizer_config.json', false)) ?? {};
  const raw = ((await readJson(dir, 'prepkit.json', false)) ?? {}) as ModelConfig;
  const config = resolveModelConfig(dir, raw, tokenizerConfig);
  let tokenizer: TextTokenizer;
  try {
    tokenizer = createTokenizer(tokenizerJson, tokenizerConfig);
  } catch (cause) {
    throw new ModelError(dir, `tokenizer.json cannot be loaded: ${(cause as Error).message}`, { cause });
  }
  const padId = tokenizer.token_to_id('[PAD]') ?? tokenizer.token_to_id('<pad>') ?? 0;
  const wordEncoder = WordEncoder.for(tokenizer, tokenizerJson);
  return { dir: abs, modelPath, config, tokenizer, padId, wordEncoder };
}

function resolveModelConfig(dir: string, raw: ModelConfig, tokenizerConfig: object): ResolvedModelConfig {
  const pooling = raw.pooling ?? 'mean';
  if (pooling !== 'mean' && pooling !== 'cls') {
    throw new ModelError(
      dir,
      `prepkit.json: pooling must be "mean" or "cls" (got ${JSON.stringify(pooling)})`,
    );
  }
  const normalize = raw.normalize ?? true;
  if (typeof normalize !== 'boolean')
    throw new ModelError(dir, 'prepkit.json: normalize must be true or false');
  const modelMax = (tokenizerConfig as { model_max_length?: unknown }).model_max_length;
  const cap = typeof modelMax === 'number' && modelMax > 0 && modelMax < 1e6 ? modelMax : 512;
  const maxLength = raw.max_length ?? Math.min(DEFAULT_MAX_LENGTH, cap);
  if (!Number.isInteger(maxLength) || maxLength < 2) {
    throw new ModelError(dir, `prepkit.json: max_length must be an integer >= 2 (got ${String(maxLength)})`);
  }
  return Object.freeze({ pooling, normalize, maxLength });
}

async function readJson(dir: string, name: string, required: boolean): Promise<object | undefined> {
  const path = join(dir, name);
  if (!existsSync(path)) {
    if (required) throw new ModelError(dir, `no ${name}`);
    return undefined;
  }
  try {
    return JSON.parse(await readFile(path, 'utf8')) as object;
  } catch (cause) {
    throw new ModelError(dir, `${name} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}
