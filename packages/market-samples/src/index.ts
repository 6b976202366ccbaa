export { buildSamples, chunkTasks, sampleColumns } from './build.js';
export type { BuildSamplesOptions, BuildSamplesResult, TickerSummary } from './build.js';
export { allocateBars, barCount, BAR_COLUMNS, headBars } from './bars.js';
export type { Bars } from './bars.js';
export { cleanBars } from './cleaning.js';
export type { CleanedBars, CleaningOptions, CleaningReport } from './cleaning.js';
export {
  CONFIG_KEYS,
  FEATURES,
  configToValues,
  defaultConfigValues,
  rawFileName,
  readConfigFile,
  resolveConfig,
  samplesFileName,
} from './config.js';
export type { ConfigValues, Feature, MarketConfig, ParquetCompression } from './config.js';
export { generateRaw, syntheticBars } from './generate-raw.js';
export type { GenerateRawOptions, GenerateRawResult } from './generate-raw.js';
export { importCsv } from './import-csv.js';
export type { ImportCsvOptions, ImportCsvResult } from './import-csv.js';
export { inspectSamples } from './inspect.js';
export type { ColumnStats, DecodedSample, SamplesInspection } from './inspect.js';
export { loadMarket } from './load-market.js';
export type { LoadedMarket, TickerLoad } from './load-market.js';
export { readRawBars, writeRawBars } from './raw-bars.js';
export { META_FEATURES } from './sample-kernel.js';
export { SCALER_FORMAT, fitScaler, readScaler, scalerToJson, writeScaler } from './scaler.js';
export type { Scaler, ZScore } from './scaler.js';
export { SPLITS } from './split.js';
export type { SplitName } from './split.js';
export { transform } from './transform.js';
export type { TransformOptions, TransformResult } from './transform.js';
export { MarketSamplesConfigError, MarketSamplesError, MarketSamplesInputError } from './errors.js';
