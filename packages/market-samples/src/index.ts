export { buildSamples, buildSamplesShard } from './build.js';
export { chunkTasks } from './sample-chunk.js';
export { sampleColumns } from './samples-file.js';
export type { BuildSamplesResult, BuildShardResult, TickerSummary } from './build.js';
export type { BuildSamplesOptions } from './options.js';
export { allocateBars, barCount, BAR_COLUMNS, headBars } from './bars.js';
export type { Bars } from './bars.js';
export { cleanBars } from './cleaning.js';
export type { CleanedBars, CleaningOptions, CleaningReport } from './cleaning.js';
export { optionsFromValues, optionsToValues, readConfigFile } from './config-file.js';
export { FEATURES, OPTION_SPECS } from './option-specs.js';
export type { Feature, OptionSpec } from './option-specs.js';
export {
  DEFAULT_BUILD_SAMPLES_OPTIONS,
  rawFileName,
  resolveBuildSamplesOptions,
  samplesFileName,
} from './options.js';
export type { MarketSamplesOptions, ResolvedBuildSamplesOptions } from './options.js';
export {
  DEFAULT_GENERATE_RAW_OPTIONS,
  generateRaw,
  resolveGenerateRawOptions,
  syntheticBars,
} from './generate-raw.js';
export type { GenerateRawOptions, GenerateRawResult } from './generate-raw.js';
export { importCsv } from './import-csv.js';
export type { ImportCsvOptions, ImportCsvResult } from './import-csv.js';
export { DEFAULT_INSPECT_OPTIONS, inspectSamples } from './inspect.js';
export type { ColumnStats, DecodedSample, InspectOptions, SamplesInspection } from './inspect.js';
export { loadMarket, rawTickers } from './load-market.js';
export type { LoadedMarket, LoadMarketOptions, TickerLoad } from './load-market.js';
export { readRawBars, writeRawBars } from './raw-bars.js';
export { META_FEATURES } from './sample-kernel.js';
export { SCALER_FORMAT, fitScaler, readScaler, scalerToJson, writeScaler } from './scaler.js';
export type { Scaler, ZScore } from './scaler.js';
export { SPLITS } from './split.js';
export type { SplitName } from './split.js';
export { transform } from './transform.js';
export type { TransformOptions, TransformResult } from './transform.js';
export { MarketSamplesConfigError, MarketSamplesInputError } from './errors.js';
export { marketSamplesRun } from './cluster-run.js';
export type {
  MarketSamplesRunConfig,
  MarketSamplesRunResult,
  MarketSamplesShardSummary,
  ShardFileSummary,
} from './cluster-run.js';
export { mergeSamples } from './merge.js';
export type { MergeSamplesOptions, MergeSamplesResult } from './merge.js';
export type { SamplesPlan } from './plan.js';
export { shardFileName } from './shard-file.js';
export type { SamplePositions } from './sample-positions.js';
