import { availableParallelism } from 'node:os';
import { assertNonEmptyString, assertOneOf, assertPositiveInteger } from '@prepkit/bench-harness/errors';
import type { BatchOrder } from './batching.js';
import { definedFields } from './defined-fields.js';
import type { Device } from './inference.js';

/** How an `Embedder` runs a model; `embedTable` takes the same fields (all but `inProcess`). */
export interface EmbedderOptions {
  /** Model directory: model.onnx, tokenizer.json, optional prepkit.json. */
  model: string;
  /** ONNX Runtime intra-op threads. Default: `os.availableParallelism()`. */
  threads?: number;
  /** Padded tokens (texts × longest) per model batch. Default: 8192. */
  maxBatchTokens?: number;
  /** Texts per model batch at most. Default: 256. */
  maxBatchSize?: number;
  /** `length`: batches of similar lengths (little padding); `table`: input order. Default: `length`. */
  batchOrder?: BatchOrder;
  /** Default: `cpu`. */
  device?: Device;
  /** Run the model on the calling thread instead of a worker thread (blocks the event loop). Default: false. */
  inProcess?: boolean;
}

export type ResolvedEmbedderOptions = Readonly<Required<EmbedderOptions>>;

export const DEFAULT_MAX_BATCH_TOKENS = 8192;
export const DEFAULT_MAX_BATCH_SIZE = 256;

export const DEFAULT_EMBEDDER_OPTIONS = Object.freeze({
  threads: availableParallelism(),
  maxBatchTokens: DEFAULT_MAX_BATCH_TOKENS,
  maxBatchSize: DEFAULT_MAX_BATCH_SIZE,
  batchOrder: 'length',
  device: 'cpu',
  inProcess: false,
});

const BATCH_ORDERS: readonly BatchOrder[] = ['length', 'table'];
const DEVICES: readonly Device[] = ['cpu', 'cuda'];

/** Fills defaults and validates once (`options.maxBatchSize must be a positive integer (got 0)`). */
export function resolveEmbedderOptions(options: EmbedderOptions): ResolvedEmbedderOptions {
  const resolved = { ...DEFAULT_EMBEDDER_OPTIONS, ...definedFields(options) };
  assertNonEmptyString('model', resolved.model);
  assertPositiveInteger('threads', resolved.threads);
  assertPositiveInteger('maxBatchTokens', resolved.maxBatchTokens);
  assertPositiveInteger('maxBatchSize', resolved.maxBatchSize);
  assertOneOf('batchOrder', resolved.batchOrder, BATCH_ORDERS);
  assertOneOf('device', resolved.device, DEVICES);
  return Object.freeze(resolved);
}
