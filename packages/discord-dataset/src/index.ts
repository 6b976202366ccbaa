export { prepareDiscordDataset } from './prepare.js';
export type { PreparedFile, PrepareResult, WrittenTarget } from './prepare.js';
export { planDiscordShards } from './shard-plan.js';
export type { DiscordShardPlan } from './shard-plan.js';
export { mergeShards } from './merge.js';
export type { MergeOptions, MergeResult } from './merge.js';
export { ROOTS_SUFFIX, rootsPath, shardPath } from './shard-files.js';
export { sqlShardOf } from './strategies/index.js';
export { createDiscordRun, discordRun } from './cluster-run.js';
export type { DiscordRunConfig, DiscordShardFile, DiscordShardSummary } from './cluster-run.js';
export {
  DEFAULT_PREPARE_OPTIONS,
  EXAMPLE_PER,
  OUTPUT_FORMATS,
  SPEAKER_NAMES,
  STRATEGIES,
  resolvePrepareOptions,
} from './prepare-options.js';
export type {
  ExamplePer,
  FormatConfig,
  OutputFormat,
  PrepareOptions,
  ResolvedPrepareOptions,
  SpeakerNames,
  Strategy,
} from './prepare-options.js';
export { SQL_SCRIPTS, initDatabase, readSqlScript, sqlScriptPath } from './schema.js';
export type { InitDatabaseOptions, InitDatabaseResult, SqlScript } from './schema.js';
export { DEFAULT_IMPORT_OPTIONS, importExports, messageRow } from './import.js';
export type { ImportOptions, ImportResult, ImportedFile } from './import.js';
export { readDiscordExport } from './export-reader.js';
export type {
  ExportReadStats,
  ExportSource,
  ExportedMessage,
  JsonObject,
  JsonValue,
} from './export-reader.js';
export { MessageTableBuilder } from './message-table.js';
export type { MessageRow, MessageTable } from './message-table.js';
export { buildReplyForest } from './reply-forest.js';
export type { ReplyForest } from './reply-forest.js';
export { formatTasks, planExamples } from './example-chains.js';
export type { ExamplePlan, ExamplePlanOptions } from './example-chains.js';
export { buildTurns, transcript, turnContent } from './turns.js';
export type { ChainMessages, Role, Turn, TurnsResult } from './turns.js';
export { formatBatch, renderLine } from './format-batch.js';
export type { FormatResult, FormatTask } from './format-batch.js';
export { UNKNOWN_MENTION, replaceMentions } from './mentions.js';
export { isValidationThread, splitPoint } from './split.js';
export { guaranteedValidationThread } from './valid-guarantee.js';
export { cleanText } from './text.js';
export { CONSUMERS, DEFAULT_VALIDATE_OPTIONS, validateJsonl } from './validate.js';
export type {
  Consumer,
  Distribution,
  FileValidation,
  LineFormat,
  ValidateOptions,
  ValidationProblem,
  ValidationReport,
} from './validate.js';
export { DEFAULT_GENERATE_OPTIONS, generateMessages, generateToDatabase } from './generate.js';
export type { GenerateOptions, GenerateSummary, GenerateToDatabaseOptions } from './generate.js';
export { DEFAULT_BENCH_DATABASE_OPTIONS, benchDatabase } from './bench-database.js';
export type { BenchDatabaseOptions, BenchDatabaseResult, MissingIndex } from './bench-database.js';
export { noProgress } from './progress.js';
export type { PhaseProgress, ProgressReporter } from './progress.js';
export {
  DataError,
  ExportFormatError,
  ShardFileError,
  ReadOnlyDatabaseError,
  SchemaError,
  ValidationFailedError,
} from './errors.js';
