import { availableParallelism } from 'node:os';
import type { BatchOrder } from './batching.js';
import { DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_BATCH_TOKENS } from './embedder.js';
import { EmbeddingsInputError } from './errors.js';
import type { Device } from './inference.js';
import type { TargetNames, VectorType } from './target-table.js';

export interface EmbedTableOptions extends TargetNames {
  /** PostgreSQL connection URL. */
  db: string;
  /** Model directory (model.onnx, tokenizer.json, optional prepkit.json). */
  model: string;
  /** Rows claimed per query: the window sorted by length and cut into batches. Default: 8192. */
  fetchSize?: number;
  /** Padded tokens per model batch. Default: 8192. */
  maxBatchTokens?: number;
  /** Texts per model batch at most. Default: 256. */
  maxBatchSize?: number;
  /** ONNX Runtime intra-op threads. Default: `os.availableParallelism()`. */
  threads?: number;
  /** Windows written per transaction. Default: 1. */
  commitEvery?: number;
  /** Default: `cpu`. */
  device?: Device;
  /** `length` (sorted, little padding) or `table` (id order). Default: `length`. */
  batchOrder?: BatchOrder;
  /** Type of a vector column that does not exist yet. Default: `real[]`. */
  vectorType?: VectorType;
  /** Retry rows recorded in the errors table. Default: false. */
  retryErrors?: boolean;
  signal?: AbortSignal;
}

export interface ResolvedEmbedTableOptions extends Required<Omit<EmbedTableOptions, 'signal'>> {
  readonly signal: AbortSignal | undefined;
}

export const DEFAULT_EMBED_TABLE_OPTIONS = Object.freeze({
  idColumn: 'id',
  textColumn: 'content',
  vectorColumn: 'embedding',
  // Windows of 8192 rows, one transaction each: 100K rows with the tiny model took ~7.0 s against
  // ~8.5 s with 1024-row windows committed four at a time (fewer claim and UPDATE statements, and
  // longer windows sort into batches with less padding). A killed run loses the windows claimed but not
  // yet committed (a few, with the stages' prefetching); their rows are embedded again on resume.
  fetchSize: 8192,
  maxBatchTokens: DEFAULT_MAX_BATCH_TOKENS,
  maxBatchSize: DEFAULT_MAX_BATCH_SIZE,
  commitEvery: 1,
  device: 'cpu' satisfies Device,
  batchOrder: 'length' satisfies BatchOrder,
  vectorType: 'real[]' satisfies VectorType,
  retryErrors: false,
});

/** Fills defaults and validates once (`options.fetchSize must be a positive integer (got 0)`). */
export function resolveEmbedTableOptions(options: EmbedTableOptions): ResolvedEmbedTableOptions {
  const resolved = {
    ...DEFAULT_EMBED_TABLE_OPTIONS,
    threads: availableParallelism(),
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    signal: options.signal,
  } as ResolvedEmbedTableOptions;
  for (const name of ['db', 'model', 'table', 'idColumn', 'textColumn', 'vectorColumn'] as const) {
    if (typeof resolved[name] !== 'string' || resolved[name] === '')
      throw new EmbeddingsInputError(`options.${name} must be a non-empty string`);
  }
  for (const name of ['fetchSize', 'maxBatchTokens', 'maxBatchSize', 'threads', 'commitEvery'] as const) {
    if (!Number.isInteger(resolved[name]) || resolved[name] < 1)
      throw new EmbeddingsInputError(
        `options.${name} must be a positive integer (got ${String(resolved[name])})`,
      );
  }
  if (!['cpu', 'cuda'].includes(resolved.device))
    throw new EmbeddingsInputError(`options.device must be cpu or cuda (got ${String(resolved.device)})`);
  if (!['length', 'table'].includes(resolved.batchOrder))
    throw new EmbeddingsInputError(
      `options.batchOrder must be length or table (got ${String(resolved.batchOrder)})`,
    );
  if (!['real[]', 'vector'].includes(resolved.vectorType))
    throw new EmbeddingsInputError(
      `options.vectorType must be real[] or vector (got ${String(resolved.vectorType)})`,
    );
  return Object.freeze(resolved);
}
