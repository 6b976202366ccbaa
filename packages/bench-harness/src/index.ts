export { RunReporter, formatRunSummary } from './run-reporter.js';
export type { Phase, PhaseOptions, PhaseReport, RunReport, RunReporterOptions } from './run-reporter.js';
export { PhaseLog } from './phase-log.js';
export type { PhaseRunner, PhaseTiming } from './phase-log.js';
export { chooseProgressMode } from './progress.js';
export type { ProgressMode, ProgressTarget } from './progress.js';
export { runBenchmark } from './benchmark-runner.js';
export type {
  BenchmarkDefinition,
  BenchmarkResult,
  BenchmarkVariant,
  VariantContext,
  VariantResult,
  VariantSummary,
} from './benchmark-runner.js';
export { formatBenchmarkTable } from './benchmark-table.js';
export { parseBenchArgs, printBenchmark, runBenchScript } from './bench-cli.js';
export type { BenchCliOptions } from './bench-cli.js';
export { digestFile, digestOutputs } from './output-digest.js';
export type { OutputDigest } from './output-digest.js';
export { Prng, Sfc32 } from './prng.js';
export { RssSampler } from './rss-sampler.js';
export { resourceSnapshot } from './resource-usage.js';
export type { ResourceSnapshot } from './resource-usage.js';
export { formatBytes, formatCount, formatDuration } from './format.js';
export { InvalidBenchmarkError, OutputMismatchError } from './errors.js';
