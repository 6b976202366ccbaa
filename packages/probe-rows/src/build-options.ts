import { availableParallelism } from 'node:os';
import { ProbeRowsInputError } from './errors.js';

export type BuildMode = 'sequential' | 'parallel' | 'streaming';
export type Compression = 'zstd' | 'brotli' | 'snappy' | 'none';

export interface BuildOptions {
  /** Parquet file(s) or glob(s) of the measurements. */
  input: string | readonly string[];
  /** Directory of `train.array_record`, `test.array_record` and `manifest.json`; created if missing. */
  output: string;
  /** Default: `streaming`. */
  mode?: BuildMode;
  /** Worker threads that encode probes (and DuckDB's threads). Default: `os.availableParallelism()`. */
  workers?: number;
  /** DuckDB's memory limit in GiB; it spills to disk beyond it. Default: 2. */
  memoryLimitGb?: number;
  /** Default: `src_addr`. */
  groupBy?: string;
  /** Default: `event_time`. */
  orderBy?: string;
  /** Share of probes in the test file. Default: 0.1. */
  testFraction?: number;
  /** Seed of the split hash. Default: 0. */
  seed?: number;
  /** Default: `zstd` (level 3). */
  compression?: Compression;
  /** Files per split: `train-00000-of-0000N.array_record`…; probes are dealt round-robin, in key order. Default: 1. */
  shards?: number;
  /** Rows per partition handed to a worker (whole probes, so partitions may be larger). Default: 65,536. */
  partitionRows?: number;
  signal?: AbortSignal;
}

export type ResolvedBuildOptions = Readonly<Required<Omit<BuildOptions, 'input' | 'signal'>>> & {
  readonly input: readonly string[];
  readonly signal: AbortSignal | undefined;
};

export const DEFAULT_BUILD_OPTIONS = Object.freeze({
  mode: 'streaming',
  memoryLimitGb: 2,
  groupBy: 'src_addr',
  orderBy: 'event_time',
  testFraction: 0.1,
  seed: 0,
  compression: 'zstd',
  shards: 1,
  partitionRows: 65_536,
} as const);

export function resolveBuildOptions(options: BuildOptions): ResolvedBuildOptions {
  const input = typeof options.input === 'string' ? [options.input] : [...options.input];
  if (input.length === 0)
    throw new ProbeRowsInputError('options.input must name at least one Parquet file or glob');
  if (typeof options.output !== 'string' || options.output === '')
    throw new ProbeRowsInputError('options.output must name a directory');
  const resolved = {
    ...DEFAULT_BUILD_OPTIONS,
    workers: availableParallelism(),
    ...withoutUndefined(options),
    input,
    output: options.output,
    signal: options.signal,
  };
  if (!['sequential', 'parallel', 'streaming'].includes(resolved.mode))
    throw new ProbeRowsInputError(`unknown mode "${resolved.mode}" (sequential, parallel, streaming)`);
  if (!['zstd', 'brotli', 'snappy', 'none'].includes(resolved.compression))
    throw new ProbeRowsInputError(
      `unknown compression "${resolved.compression}" (zstd, brotli, snappy, none)`,
    );
  positiveInteger('workers', resolved.workers);
  positiveInteger('partitionRows', resolved.partitionRows);
  positiveInteger('shards', resolved.shards);
  if (!(resolved.memoryLimitGb > 0))
    throw new ProbeRowsInputError('options.memoryLimitGb must be a positive number');
  if (!(resolved.testFraction >= 0 && resolved.testFraction <= 1))
    throw new ProbeRowsInputError('options.testFraction must be between 0 and 1');
  if (!Number.isSafeInteger(resolved.seed)) throw new ProbeRowsInputError('options.seed must be an integer');
  return Object.freeze(resolved);
}

/** The ArrayRecord options of both output files: one probe per chunk, as Grain reads them. */
export function writerOptionsFor(compression: Compression): string {
  const codec = { zstd: 'zstd:3', brotli: 'brotli:6', snappy: 'snappy', none: 'uncompressed' }[compression];
  return `group_size:1,${codec}`;
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1)
    throw new ProbeRowsInputError(`options.${name} must be a positive integer`);
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
