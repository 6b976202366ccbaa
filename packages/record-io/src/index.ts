export { AtomicFile, openAtomicFile } from './atomic-file.js';
export { removeStaleTemporaries, temporaryPathFor } from './stale-temporaries.js';
export { outputLocationError, prepareOutputDirectory } from './output-location.js';
export { OutputSet, beginOutputSet } from './output-set.js';
export type { OutputSetOptions } from './output-set.js';
export type { AtomicFileOptions } from './atomic-file.js';
export {
  DEFAULT_JSONL_WRITER_OPTIONS,
  JsonlWriter,
  openJsonlWriter,
  resolveJsonlWriterOptions,
  writeJsonl,
} from './jsonl-writer.js';
export type { JsonlWriterOptions, ResolvedJsonlWriterOptions, WrittenFile } from './jsonl-writer.js';
export {
  DEFAULT_JSONL_READER_OPTIONS,
  JsonlReader,
  readJsonl,
  resolveJsonlReaderOptions,
} from './jsonl-reader.js';
export type { JsonlReaderOptions, ResolvedJsonlReaderOptions } from './jsonl-reader.js';
export { parseShardName, shardName, shardNames } from './shard-names.js';
export { stableUnit } from './stable-hash.js';
export { parseShardSpec, shardOf } from './shard-plan.js';
export type { ShardSpec } from './shard-plan.js';
export { arrowTypeFor } from './arrow-types.js';
export type { ColumnType, ColumnTypeSpec } from './arrow-types.js';
export type { ShardName } from './shard-names.js';
export {
  MANIFEST_FILE,
  MANIFEST_VERSION,
  assertVerified,
  readManifest,
  verify,
  writeManifest,
} from './manifest.js';
export type {
  Manifest,
  ManifestFile,
  ManifestOutput,
  ManifestPhase,
  ManifestTool,
  VerifyReport,
  WriteManifestOptions,
} from './manifest.js';
export { arrowSchemaFor, encodeStrings, recordBatchFrom } from './parquet-schema.js';
export type { ParquetBatch, ParquetColumn, ParquetColumnValues, Utf8Column } from './parquet-schema.js';
export { DEFAULT_PARQUET_WRITER_OPTIONS, resolveParquetWriterOptions } from './parquet-options.js';
export type {
  ParquetCompression,
  ParquetWriterOptions,
  ResolvedParquetWriterOptions,
} from './parquet-options.js';
export { ParquetWriter, openParquetWriter } from './parquet-writer.js';
export { DEFAULT_PARQUET_READER_OPTIONS, readParquetBatches, readParquetMetadata } from './parquet-reader.js';
export type { ParquetFileInfo, ParquetReaderOptions } from './parquet-reader.js';
export {
  AtomicFileStateError,
  InvalidOptionError,
  JsonlMalformedError,
  JsonlRecordError,
  ManifestError,
  ManifestMismatchError,
  OutputExistsError,
  OutputLocationError,
  ParquetBatchError,
  ParquetIoError,
  ShardNameError,
} from './errors.js';
export type { ManifestProblem } from './errors.js';
export {
  ArrayRecordCorruptionError,
  ArrayRecordOptionsError,
  ArrayRecordReader,
  ArrayRecordUnsupportedError,
  ArrayRecordWriter,
  DEFAULT_ARRAYRECORD_OPTIONS,
  createChunkEncoder,
  dealEncoded,
  encodedChunkCount,
  inspect,
  parseWriterOptions,
  writerOptionsToString,
} from './arrayrecord/index.js';
export type {
  ArrayRecordFileInfo,
  ArrayRecordInspection,
  ArrayRecordOptions,
  ArrayRecordWriteSummary,
  ArrayRecordWriterOptions,
  Compression,
} from './arrayrecord/index.js';
