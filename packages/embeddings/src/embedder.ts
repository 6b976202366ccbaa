import { PrepkitError } from '@prepkit/bench-harness/errors';
import { WorkerPool, workerModule } from '@prepkit/worker-pool';
import { planBatches } from './batching.js';
import { resolveEmbedderOptions } from './embedder-options.js';
import type { EmbedderOptions, ResolvedEmbedderOptions } from './embedder-options.js';
import { EmbeddingsEnvironmentError, ModelError } from './errors.js';
import { CUDA_UNAVAILABLE, openEncoderSession, runBatch } from './inference.js';
import type { BatchResult, BatchTask, EncoderSession } from './inference.js';
import { loadModelFiles } from './model.js';
import type { ModelFiles } from './model.js';
import { tokenizeTexts } from './tokenize.js';
import type { RowFailure, TokenizedTexts } from './tokenize.js';
import type { TokenizeTask } from './tokenize-worker.js';

/** Embeddings of a list of texts, in input order. */
export interface EmbeddedTexts {
  /** Vector of text i, or undefined where `failures[i]` says why not. */
  readonly vectors: readonly (Float32Array | undefined)[];
  readonly dim: number;
  readonly failures: readonly (RowFailure | undefined)[];
  readonly failureDetails: readonly (string | undefined)[];
  /** Real tokens embedded (after truncation). */
  readonly tokens: number;
  /** Tokens the model processed, padding included. */
  readonly paddedTokens: number;
  readonly truncated: number;
  readonly batches: number;
  /** Milliseconds the model ran (sum over batches). */
  readonly modelMs: number;
}

/**
 * Turns texts into sentence vectors: tokenises (truncating to the model's max_length), cuts the
 * texts into batches under a token budget (longest first by default), runs ONNX Runtime on a worker
 * thread, pools with the attention mask, normalises, and gives the vectors back in input order.
 *
 * @example
 * await using embedder = await Embedder.open({ model: 'models/tiny' });
 * const { vectors } = await embedder.embed(['first text', 'second text']);
 */
export class Embedder implements AsyncDisposable {
  readonly options: ResolvedEmbedderOptions;
  readonly model: ModelFiles;
  readonly #pool: WorkerPool<BatchTask, BatchResult> | undefined;
  // Tokenises on its own thread for `tokenizeInWorker`: started on first use, so that embedders
  // that never call it (search, one-off `embed`) start no second thread.
  #tokenizerPool: WorkerPool<TokenizeTask, TokenizedTexts> | undefined;
  readonly #encoder: EncoderSession | undefined;
  /** Length of the vectors (known after `open`, which embeds one text to load the model). */
  dim = 0;

  private constructor(
    options: ResolvedEmbedderOptions,
    model: ModelFiles,
    pool: WorkerPool<BatchTask, BatchResult> | undefined,
    encoder: EncoderSession | undefined,
  ) {
    this.options = options;
    this.model = model;
    this.#pool = pool;
    this.#encoder = encoder;
  }

  static async open(options: EmbedderOptions): Promise<Embedder> {
    const resolved = resolveEmbedderOptions(options);
    const model = await loadModelFiles(resolved.model);
    let embedder: Embedder;
    if (resolved.inProcess) {
      const encoder = await openEncoderSession(model.modelPath, resolved.threads, resolved.device);
      embedder = new Embedder(resolved, model, undefined, encoder);
    } else {
      const pool = new WorkerPool<BatchTask, BatchResult>({
        filename: workerModule(import.meta.url, 'inference-worker'),
        threads: 1,
      });
      embedder = new Embedder(resolved, model, pool, undefined);
    }
    try {
      // Loads the session now, so a bad model fails here and the first batch is not slower.
      embedder.dim = (await embedder.embed(['warm up'])).dim;
    } catch (error) {
      await embedder.close();
      // An error from the model thread arrives as a plain Error: say which model failed.
      if (error instanceof PrepkitError) throw error;
      const message = (error as Error).message;
      if (message.startsWith(CUDA_UNAVAILABLE))
        throw new EmbeddingsEnvironmentError(message, { cause: error });
      throw new ModelError(resolved.model, (error as Error).message.replace(/^.*?: /, ''), { cause: error });
    }
    return embedder;
  }

  /** Tokenises texts (null and empty ones get a failure). Runs on the calling thread. */
  tokenize(texts: readonly (string | null)[]): TokenizedTexts {
    return tokenizeTexts(this.model.tokenizer, texts, this.model.config.maxLength, this.model.wordEncoder);
  }

  /**
   * `tokenize` on a worker thread of its own, so that the calling thread stays free (on the
   * calling thread when the embedder runs `inProcess`). Same result.
   */
  async tokenizeInWorker(texts: readonly (string | null)[]): Promise<TokenizedTexts> {
    if (this.options.inProcess) return this.tokenize(texts);
    this.#tokenizerPool ??= new WorkerPool({
      filename: workerModule(import.meta.url, 'tokenize-worker'),
      threads: 1,
    });
    return this.#tokenizerPool.run({ model: this.model.dir, texts });
  }

  /** Embeds texts, in input order. */
  async embed(texts: readonly (string | null)[]): Promise<EmbeddedTexts> {
    return this.embedTokenized(this.tokenize(texts));
  }

  /**
   * Embeds tokenised texts. Every batch is queued on the model thread at once, so the caller can
   * tokenise the next window while the model works on this one.
   */
  async embedTokenized(tokenized: TokenizedTexts): Promise<EmbeddedTexts> {
    const { ids, offsets } = tokenized;
    const count = offsets.length - 1;
    const lengths = new Int32Array(count);
    for (let i = 0; i < count; i++) lengths[i] = offsets[i + 1]! - offsets[i]!;
    const plan = planBatches(
      lengths,
      this.options.maxBatchTokens,
      this.options.batchOrder,
      this.options.maxBatchSize,
    );
    const results = await Promise.all(
      plan.map((positions) => this.#run(this.#task(positions, ids, offsets, lengths))),
    );
    const vectors: (Float32Array | undefined)[] = new Array<Float32Array | undefined>(count).fill(undefined);
    let dim = 0;
    let paddedTokens = 0;
    let modelMs = 0;
    results.forEach((result, b) => {
      dim = result.dim;
      paddedTokens += result.paddedTokens;
      modelMs += result.runMs;
      plan[b]!.forEach((position, j) => {
        vectors[position] = result.vectors.slice(j * result.dim, (j + 1) * result.dim);
      });
    });
    return {
      vectors,
      dim,
      failures: tokenized.failures,
      failureDetails: tokenized.failureDetails,
      tokens: ids.length,
      paddedTokens,
      truncated: tokenized.truncated,
      batches: plan.length,
      modelMs,
    };
  }

  #task(positions: readonly number[], ids: Int32Array, offsets: Int32Array, lengths: Int32Array): BatchTask {
    const batchLengths = new Int32Array(positions.map((p) => lengths[p]!));
    const batchIds = new Int32Array(batchLengths.reduce((a, b) => a + b, 0));
    let at = 0;
    for (const p of positions) {
      batchIds.set(ids.subarray(offsets[p], offsets[p + 1]), at);
      at += lengths[p]!;
    }
    return {
      modelPath: this.model.modelPath,
      threads: this.options.threads,
      device: this.options.device,
      pooling: this.model.config.pooling,
      normalize: this.model.config.normalize,
      padId: this.model.padId,
      ids: batchIds,
      lengths: batchLengths,
    };
  }

  async #run(task: BatchTask): Promise<BatchResult> {
    if (this.#encoder !== undefined) return runBatch(this.#encoder, task);
    return this.#pool!.run(task, {
      transfer: [task.ids.buffer, task.lengths.buffer],
    });
  }

  async close(): Promise<void> {
    await this.#tokenizerPool?.close();
    await this.#pool?.close();
    await this.#encoder?.session.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
