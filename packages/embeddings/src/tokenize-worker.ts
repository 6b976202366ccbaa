// Worker-thread entry of embeddings: tokenises a window's texts. The tokenizer is JavaScript and was
// the main thread's largest cost, so it runs here, beside the model's thread, while the main thread
// fetches and writes.
import { moveResult } from '@prepkit/worker-pool';
import { loadModelFiles } from './model.js';
import type { ModelFiles } from './model.js';
import { tokenizeTexts } from './tokenize.js';
import type { TokenizedTexts } from './tokenize.js';

export interface TokenizeTask {
  /** The model directory (its tokenizer.json and max_length). */
  readonly model: string;
  readonly texts: readonly (string | null)[];
}

let cache: { dir: string; model: Promise<ModelFiles> } | undefined;

export default async function tokenize(task: TokenizeTask): Promise<TokenizedTexts> {
  if (cache?.dir !== task.model) cache = { dir: task.model, model: loadModelFiles(task.model) };
  const model = await cache.model;
  const tokenized = tokenizeTexts(model.tokenizer, task.texts, model.config.maxLength, model.wordEncoder);
  return moveResult(tokenized, [
    tokenized.ids.buffer as ArrayBuffer,
    tokenized.offsets.buffer as ArrayBuffer,
  ]);
}
