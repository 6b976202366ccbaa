import type { RunReporter } from '@prepkit/bench-harness';
import { assertOneOf, assertPositiveInteger } from '@prepkit/bench-harness/errors';
import { checkDatabaseUrl } from '@prepkit/db-cursors';
import { definedFields } from './defined-fields.js';
import { DEFAULT_EMBEDDER_OPTIONS, resolveEmbedderOptions } from './embedder-options.js';
import type { EmbedderOptions } from './embedder-options.js';
import { DEFAULT_TARGET_NAMES, resolveTargetNames } from './target-table.js';
import type { TargetNames, VectorType } from './target-table.js';

/**
 * What `embedTable` embeds and how: the table, the model and its batches (`EmbedderOptions`, defaults
 * there), and the windows of rows claimed and committed.
 */
export interface EmbedTableOptions extends TargetNames, Omit<EmbedderOptions, 'inProcess'> {
  /** PostgreSQL connection URL. */
  db: string;
  /** Rows claimed per query: the window sorted by length and cut into batches. Default: 8192. */
  fetchSize?: number;
  /** Windows written per transaction. Default: 1. */
  commitEvery?: number;
  /** Type of a vector column that does not exist yet. Default: `real[]`. */
  vectorType?: VectorType;
  /** Retry rows recorded in the errors table. Default: false. */
  retryErrors?: boolean;
  /** Stops the run: committed rows stay, the rest go back to pending. */
  signal?: AbortSignal;
  /** Receives the `embed` phase (progress in rows) and facts about the table. */
  reporter?: RunReporter;
}

export type ResolvedEmbedTableOptions = Readonly<
  Required<Omit<EmbedTableOptions, 'signal' | 'reporter'>> & {
    signal: AbortSignal | undefined;
    reporter: RunReporter | undefined;
  }
>;

export const DEFAULT_EMBED_TABLE_OPTIONS = Object.freeze({
  ...DEFAULT_TARGET_NAMES,
  threads: DEFAULT_EMBEDDER_OPTIONS.threads,
  maxBatchTokens: DEFAULT_EMBEDDER_OPTIONS.maxBatchTokens,
  maxBatchSize: DEFAULT_EMBEDDER_OPTIONS.maxBatchSize,
  batchOrder: DEFAULT_EMBEDDER_OPTIONS.batchOrder,
  device: DEFAULT_EMBEDDER_OPTIONS.device,
  // Windows of 8192 rows, one transaction each: 100K rows with the tiny model took ~7.0 s against
  // ~8.5 s with 1024-row windows committed four at a time (fewer claim and UPDATE statements, and
  // longer windows sort into batches with less padding). A killed run loses the windows claimed but not
  // yet committed (a few, with the stages' prefetching); their rows are embedded again on resume.
  fetchSize: 8192,
  commitEvery: 1,
  vectorType: 'real[]',
  retryErrors: false,
});

const VECTOR_TYPES: readonly VectorType[] = ['real[]', 'vector'];

/** Fills defaults and validates once (`options.fetchSize must be a positive integer (got 0)`). */
export function resolveEmbedTableOptions(options: EmbedTableOptions): ResolvedEmbedTableOptions {
  // The model and batch fields are checked where the Embedder defines them.
  const { model, threads, maxBatchTokens, maxBatchSize, batchOrder, device } =
    resolveEmbedderOptions(options);
  const resolved = {
    ...DEFAULT_EMBED_TABLE_OPTIONS,
    ...definedFields(options),
    model,
    threads,
    maxBatchTokens,
    maxBatchSize,
    batchOrder,
    device,
    db: checkDatabaseUrl(options.db),
    signal: options.signal,
    reporter: options.reporter,
  };
  resolveTargetNames(resolved);
  assertPositiveInteger('fetchSize', resolved.fetchSize);
  assertPositiveInteger('commitEvery', resolved.commitEvery);
  assertOneOf('vectorType', resolved.vectorType, VECTOR_TYPES);
  return Object.freeze(resolved);
}
