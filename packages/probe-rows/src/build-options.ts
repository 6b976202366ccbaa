import { availableParallelism } from 'node:os';
import type { RunReporter } from '@prepkit/bench-harness';
import type { ShardSpec } from '@prepkit/record-io';
import {
  InvalidOptionError,
  assertFraction,
  assertNonEmptyString,
  assertOneOf,
  assertPositiveInteger,
} from '@prepkit/bench-harness/errors';

export type BuildMode = 'sequential' | 'parallel' | 'streaming';
export type Compression = 'zstd' | 'brotli' | 'snappy' | 'none';

const MODES: readonly BuildMode[] = ['sequential', 'parallel', 'streaming'];
const COMPRESSIONS: readonly Compression[] = ['zstd', 'brotli', 'snappy', 'none'];

export interface BuildOptions {
  /** Parquet file(s) or glob(s) of the measurements. */
  input: string | readonly string[];
  /** Directory of `train.array_record`, `test.array_record` and `manifest.json`; created if missing. */
  output: string;
  /** Replace output files that are already there. Default: false (an existing file is an error). */
  overwrite?: boolean;
  /** Default: `streaming`. */
  mode?: BuildMode;
  /** Worker threads that encode probes (and DuckDB's threads). Default: `os.availableParallelism()`. */
  threads?: number;
  /** DuckDB's memory limit in GiB (2^30 bytes); it spills to disk beyond it. Default: 2. */
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
  /**
   * Files per split: `train-00000-of-0000N.array_record`…; file i holds the probes whose key has `shardOf(key, N)
   * === i` (record-io), in key order. Default: 1.
   */
  shards?: number;
  /**
   * Build only shard `index` of `count`: its two files (`train-0000i-of-0000N.array_record`, `test-…`), the same
   * bytes as those of a `shards: count` build, and no manifest (`mergeShards` writes it once all are there). Only
   * this shard's probes are encoded (DuckDB filters them); the input is still read whole. Default: none.
   */
  shard?: ShardSpec;
  /** Rows per partition handed to a worker (whole probes, so partitions may be larger). Default: 65,536. */
  partitionRows?: number;
  /** Aborting it stops the run and removes what it half-wrote (the promise rejects with `AbortedError`). */
  signal?: AbortSignal;
  /** Receives the phases (progress, timings) and counters; default: none shown. */
  reporter?: RunReporter;
  /** Called as probes are encoded: measurements done and in all (for a cluster shard's progress). */
  onProgress?: (done: number, total: number) => void;
}

export type ResolvedBuildOptions = Readonly<
  Required<Omit<BuildOptions, 'input' | 'signal' | 'reporter' | 'shard' | 'onProgress'>> & {
    input: readonly string[];
    signal: AbortSignal | undefined;
    reporter: RunReporter | undefined;
    shard: ShardSpec | undefined;
    onProgress: ((done: number, total: number) => void) | undefined;
  }
>;

export const DEFAULT_BUILD_OPTIONS = Object.freeze({
  overwrite: false,
  mode: 'streaming',
  threads: availableParallelism(),
  memoryLimitGb: 2,
  groupBy: 'src_addr',
  orderBy: 'event_time',
  testFraction: 0.1,
  seed: 0,
  compression: 'zstd',
  shards: 1,
  partitionRows: 65_536,
} as const satisfies Omit<
  ResolvedBuildOptions,
  'input' | 'output' | 'signal' | 'reporter' | 'shard' | 'onProgress'
>);

/** Fills in the defaults and checks every option once; an error names the option. */
export function resolveBuildOptions(options: BuildOptions): ResolvedBuildOptions {
  const input = typeof options.input === 'string' ? [options.input] : [...options.input];
  if (input.length === 0)
    throw new InvalidOptionError('options.input must name at least one Parquet file or glob');
  input.forEach((glob, i) => assertNonEmptyString(`input[${i}]`, glob));
  assertNonEmptyString('output', options.output);
  const resolved: ResolvedBuildOptions = {
    ...DEFAULT_BUILD_OPTIONS,
    ...withoutUndefined(options),
    input,
    output: options.output,
    signal: options.signal,
    reporter: options.reporter,
    shard: options.shard,
    onProgress: options.onProgress,
  };
  assertOneOf('mode', resolved.mode, MODES);
  assertOneOf('compression', resolved.compression, COMPRESSIONS);
  assertPositiveInteger('threads', resolved.threads);
  assertPositiveInteger('partitionRows', resolved.partitionRows);
  assertPositiveInteger('shards', resolved.shards);
  if (resolved.shard !== undefined) {
    const { index, count } = resolved.shard;
    assertPositiveInteger('shard.count', count);
    if (!Number.isSafeInteger(index) || index < 0 || index >= count)
      throw new InvalidOptionError(
        `options.shard.index must be an integer from 0 to ${count - 1} (got ${index})`,
      );
    if (options.shards !== undefined && options.shards !== 1 && options.shards !== count)
      throw new InvalidOptionError(
        `options.shards (${options.shards}) and options.shard (${index}/${count}) disagree: give one of them`,
      );
  }
  if (!(resolved.memoryLimitGb > 0 && Number.isFinite(resolved.memoryLimitGb)))
    throw new InvalidOptionError(
      `options.memoryLimitGb must be a positive number (got ${resolved.memoryLimitGb})`,
    );
  assertFraction('testFraction', resolved.testFraction);
  if (!Number.isSafeInteger(resolved.seed))
    throw new InvalidOptionError(`options.seed must be an integer (got ${resolved.seed})`);
  return Object.freeze(resolved);
}

/** The configuration a manifest records: the resolved options without the run's signal and reporter. */
export function manifestConfig(o: ResolvedBuildOptions): Record<string, unknown> {
  const config: Record<string, unknown> = { ...o, writerOptions: writerOptionsFor(o.compression) };
  delete config.signal;
  delete config.reporter;
  delete config.onProgress;
  if (config.shard === undefined) delete config.shard;
  return config;
}

/** The ArrayRecord options of both output files: one probe per chunk, as Grain reads them. */
export function writerOptionsFor(compression: Compression): string {
  const codec = { zstd: 'zstd:3', brotli: 'brotli:6', snappy: 'snappy', none: 'uncompressed' }[compression];
  return `group_size:1,${codec}`;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
