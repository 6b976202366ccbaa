export { buildProbeRows } from './build.js';
export type { BuildResult, SplitSummary } from './build.js';
export { DEFAULT_BUILD_OPTIONS, resolveBuildOptions, writerOptionsFor } from './build-options.js';
export type { BuildMode, BuildOptions, Compression, ResolvedBuildOptions } from './build-options.js';
export { DEFAULT_GENERATE_OPTIONS, generateMeasurements, resolveGenerateOptions } from './generate.js';
export type { GenerateOptions, ResolvedGenerateOptions } from './generate.js';
export { DEFAULT_IMPORT_ATLAS_OPTIONS, importAtlas, resolveImportAtlasOptions } from './import-atlas.js';
export type { ImportAtlasOptions, ImportAtlasResult, ResolvedImportAtlasOptions } from './import-atlas.js';
export { inspectOutput } from './inspect.js';
export type { FileInspection, Inspection } from './inspect.js';
export { IpcRecordEncoder } from './ipc-record-encoder.js';
export { arrowSchema } from './columns.js';
export type { Column, ColumnKind, ColumnSpec } from './columns.js';
export { splitOf } from './split.js';
export type { Split } from './split.js';
export {
  OutOfMemoryError,
  OutputExistsError,
  OutputLocationError,
  ProbeRowsInputError,
  ProbeRowsInternalError,
} from './errors.js';
export { mergeShards } from './merge.js';
export type { MergeOptions, MergeResult } from './merge.js';
export { probeRowsRun } from './cluster-run.js';
export type { ProbeRowsRunConfig, ProbeRowsShardSummary, ShardFile } from './cluster-run.js';
