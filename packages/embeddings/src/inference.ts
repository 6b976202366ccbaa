import * as ort from 'onnxruntime-node';
import { EmbeddingsEnvironmentError, ModelError } from './errors.js';
import type { Pooling } from './model-config.js';

/** One model batch, as it crosses to the inference thread: token ids of each text, flat. */
export interface BatchTask {
  readonly modelPath: string;
  readonly threads: number;
  readonly device: Device;
  readonly pooling: Pooling;
  readonly normalize: boolean;
  readonly padId: number;
  /** Ids of the batch's texts one after the other (moved to the model thread, not copied). */
  readonly ids: Int32Array<ArrayBuffer>;
  /** Tokens of each text. */
  readonly lengths: Int32Array<ArrayBuffer>;
}

/** Where ONNX Runtime runs the model. */
export type Device = 'cpu' | 'cuda';

/** What a batch gives back: `count × dim` floats. */
export interface BatchResult {
  readonly vectors: Float32Array;
  readonly dim: number;
  /** Tokens fed to the model, padding included. */
  readonly paddedTokens: number;
  /** Milliseconds inside `session.run`. */
  readonly runMs: number;
}

/** An ONNX Runtime session over a sentence encoder, checked for the inputs and outputs we need. */
export interface EncoderSession {
  readonly session: ort.InferenceSession;
  readonly hasTokenTypes: boolean;
  /** `last_hidden_state` [batch, tokens, hidden] or a pooled [batch, hidden] output. */
  readonly output: string;
  readonly pooledOutput: boolean;
}

/** How the error for `--device cuda` without a usable CUDA begins (it crosses from the model thread as a plain Error). */
export const CUDA_UNAVAILABLE = '--device cuda: ONNX Runtime cannot use CUDA here';

/** Opens `modelPath` with `threads` intra-op threads on `device`. */
export async function openEncoderSession(
  modelPath: string,
  threads: number,
  device: Device,
): Promise<EncoderSession> {
  let session: ort.InferenceSession;
  // ORT's process-wide logger (set when its first session is made) prints provider failures itself, as a
  // coloured line before the error we report; fatal only, like the session's own logger below.
  ort.env.logLevel = 'fatal';
  try {
    session = await ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      executionProviders: device === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
      // Fatal only: a failure comes back as the error below (one line); ORT's own coloured log line
      // (a missing CUDA library, say) would otherwise print to stderr before it.
      logSeverityLevel: 4,
      // Idle intra-op threads sleep instead of spinning: on a small machine a spinning pool takes the
      // cores the main thread needs to tokenise and write between batches.
      extra: { session: { intra_op: { allow_spinning: process.env.PREPKIT_ORT_SPIN ?? '0' } } },
    });
  } catch (cause) {
    const message = (cause as Error).message;
    if (device === 'cuda' && /cuda/i.test(message)) {
      throw new EmbeddingsEnvironmentError(
        `${CUDA_UNAVAILABLE} (${message}); use --device cpu, or install onnxruntime-node with its CUDA libraries on a machine with an NVIDIA GPU`,
        { cause },
      );
    }
    throw new ModelError(modelPath, `ONNX Runtime cannot load the model: ${message}`, { cause });
  }
  for (const required of ['input_ids', 'attention_mask']) {
    if (!session.inputNames.includes(required)) {
      throw new ModelError(
        modelPath,
        `the model has no input "${required}" (inputs: ${session.inputNames.join(', ')})`,
      );
    }
  }
  const pooled = ['sentence_embedding', 'pooler_output'].find((n) => session.outputNames.includes(n));
  const output = session.outputNames.includes('last_hidden_state')
    ? 'last_hidden_state'
    : (pooled ?? session.outputNames.find((n) => n === 'token_embeddings'));
  if (output === undefined) {
    throw new ModelError(
      modelPath,
      `the model has no output last_hidden_state, token_embeddings, sentence_embedding or pooler_output (outputs: ${session.outputNames.join(', ')})`,
    );
  }
  return {
    session,
    hasTokenTypes: session.inputNames.includes('token_type_ids'),
    output,
    pooledOutput: output === 'sentence_embedding' || output === 'pooler_output',
  };
}

/**
 * Runs one batch: pads the texts to the longest with `padId` (attention mask 0 there), runs the
 * encoder, pools each text's token vectors over its real tokens only (mean, or the [CLS] vector),
 * and scales to unit length when asked.
 */
export async function runBatch(encoder: EncoderSession, task: BatchTask): Promise<BatchResult> {
  const count = task.lengths.length;
  let longest = 0;
  for (const n of task.lengths) longest = Math.max(longest, n);
  const size = count * longest;
  const inputIds = new BigInt64Array(size).fill(BigInt(task.padId));
  const mask = new BigInt64Array(size);
  let from = 0;
  for (let b = 0; b < count; b++) {
    const n = task.lengths[b]!;
    for (let t = 0; t < n; t++) {
      inputIds[b * longest + t] = BigInt(task.ids[from + t]!);
      mask[b * longest + t] = 1n;
    }
    from += n;
  }
  const dims = [count, longest];
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', inputIds, dims),
    attention_mask: new ort.Tensor('int64', mask, dims),
  };
  if (encoder.hasTokenTypes) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(size), dims);
  const started = performance.now();
  const outputs = await encoder.session.run(feeds, [encoder.output]);
  const runMs = performance.now() - started;
  const out = outputs[encoder.output]!;
  const data = out.data as Float32Array;
  let vectors: Float32Array;
  let dim: number;
  if (encoder.pooledOutput) {
    dim = out.dims[1]!;
    vectors = new Float32Array(data);
  } else {
    dim = out.dims[2]!;
    vectors = poolTokens(data, task.lengths, longest, dim, task.pooling);
  }
  out.dispose();
  if (task.normalize) normalizeRows(vectors, dim);
  return { vectors, dim, paddedTokens: size, runMs };
}

/** Mean over each text's first `lengths[b]` token vectors (its real tokens), or its first (CLS) vector. */
export function poolTokens(
  hidden: Float32Array,
  lengths: ArrayLike<number>,
  tokens: number,
  dim: number,
  pooling: Pooling,
): Float32Array {
  const count = lengths.length;
  const pooled = new Float32Array(count * dim);
  // Sums in float64, so the mean does not depend on how many padding rows follow.
  const sum = new Float64Array(dim);
  for (let b = 0; b < count; b++) {
    const base = b * tokens * dim;
    if (pooling === 'cls') {
      pooled.set(hidden.subarray(base, base + dim), b * dim);
      continue;
    }
    const n = lengths[b]!;
    sum.fill(0);
    for (let t = 0; t < n; t++) {
      const row = base + t * dim;
      for (let d = 0; d < dim; d++) sum[d]! += hidden[row + d]!;
    }
    for (let d = 0; d < dim; d++) pooled[b * dim + d] = sum[d]! / n;
  }
  return pooled;
}

/** Scales each row of `vectors` to unit Euclidean length (rows of zeros stay zero). */
export function normalizeRows(vectors: Float32Array, dim: number): void {
  for (let at = 0; at < vectors.length; at += dim) {
    let squares = 0;
    for (let d = 0; d < dim; d++) squares += vectors[at + d]! * vectors[at + d]!;
    const norm = Math.sqrt(squares);
    if (norm === 0) continue;
    for (let d = 0; d < dim; d++) vectors[at + d]! /= norm;
  }
}
