export { Embedder } from './embedder.js';
export type { EmbeddedTexts } from './embedder.js';
export {
  DEFAULT_EMBEDDER_OPTIONS,
  DEFAULT_MAX_BATCH_SIZE,
  DEFAULT_MAX_BATCH_TOKENS,
  resolveEmbedderOptions,
} from './embedder-options.js';
export type { EmbedderOptions, ResolvedEmbedderOptions } from './embedder-options.js';
export { embedTable } from './embed-table.js';
export type { EmbedTableResult } from './embed-table.js';
export { DEFAULT_EMBED_TABLE_OPTIONS, resolveEmbedTableOptions } from './embed-options.js';
export type { EmbedTableOptions, ResolvedEmbedTableOptions } from './embed-options.js';
export { embedTableOriginal } from './original.js';
export type { OriginalOptions, OriginalResult } from './original.js';
export { embeddingStatus } from './status.js';
export type { StatusOptions, TableStatus } from './status.js';
export { DEFAULT_SEARCH_OPTIONS, resolveSearchOptions, searchTable } from './search.js';
export type { ResolvedSearchOptions, SearchHit, SearchOptions, SearchResult } from './search.js';
export { DEFAULT_GENERATE_OPTIONS, generateText, generateTexts, resolveGenerateOptions } from './generate.js';
export type { GenerateOptions, GenerateResult, ResolvedGenerateOptions } from './generate.js';
export {
  DEFAULT_MAKE_TEST_MODEL_OPTIONS,
  makeTestModel,
  resolveMakeTestModelOptions,
  TEST_MODEL_PRESETS,
} from './test-model/make-test-model.js';
export type {
  MakeTestModelOptions,
  ResolvedMakeTestModelOptions,
  TestModelInfo,
  TestModelPreset,
  TestModelPresetName,
} from './test-model/make-test-model.js';
export { loadModelFiles } from './model.js';
export type { ModelFiles, ResolvedModelConfig } from './model.js';
export type { ModelConfig, Pooling } from './model-config.js';
export { planBatches } from './batching.js';
export type { BatchOrder } from './batching.js';
export { tokenizeTexts } from './tokenize.js';
export { WordEncoder } from './word-encoder.js';
export type { RowFailure, TokenizedTexts } from './tokenize.js';
export { poolTokens, normalizeRows } from './inference.js';
export type { Device } from './inference.js';
export { DEFAULT_TARGET_NAMES, parseTableName } from './target-table.js';
export type { TargetNames, VectorType } from './target-table.js';
export { Prng } from '@prepkit/bench-harness';
export { EmbeddingsEnvironmentError, EmbeddingsInputError, ModelError } from './errors.js';
