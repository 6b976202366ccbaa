import { resolve } from 'node:path';
import { Option } from 'commander';
import type { Command } from 'commander';
import { fraction, integer, positiveInteger, positiveNumber } from '@prepkit/bench-harness/cli';
import { DEFAULT_BUILD_OPTIONS } from '../build-options.js';
import type { BuildOptions } from '../build-options.js';
import type { ProbeRowsRunConfig } from '../cluster-run.js';

// The build's flags, added to `build` and to `submit` by this one function, so the two cannot drift.

/** An option's help text with the library's default, so the two never disagree. */
export const withDefault = (text: string, value: unknown): string => `${text} (default: ${String(value)})`;

/** Adds the build flags (all but `--shard`, `--json`, `-q`) to `command`. */
export function buildFlags(command: Command): Command {
  const d = DEFAULT_BUILD_OPTIONS;
  return command
    .requiredOption('--input <glob...>', 'Parquet file(s) or glob(s) of measurements')
    .requiredOption('--output <dir>', 'output directory')
    .option('--overwrite', 'replace output files that already exist')
    .addOption(
      new Option('--mode <mode>', withDefault('how to group', d.mode)).choices([
        'sequential',
        'parallel',
        'streaming',
      ]),
    )
    .option('--threads <n>', withDefault('encoding threads (and DuckDB threads)', d.threads), positiveInteger)
    .addOption(new Option('--workers <n>').argParser(positiveInteger).hideHelp())
    .option(
      '--memory-limit-gb <gib>',
      withDefault("DuckDB's memory limit in GiB; it spills to disk beyond it", d.memoryLimitGb),
      positiveNumber,
    )
    .option('--group-by <column>', withDefault('probe key column', d.groupBy))
    .option('--order-by <column>', withDefault('time column', d.orderBy))
    .option('--test-fraction <f>', withDefault('share of probes in the test split', d.testFraction), fraction)
    .option('--seed <n>', withDefault('seed of the train/test split hash', d.seed), integer)
    .option(
      '--shards <n>',
      withDefault(
        'files per split (train-00000-of-0000N.array_record…), probes by shardOf(key, N)',
        d.shards,
      ),
      positiveInteger,
    )
    .addOption(
      new Option('--compression <codec>', withDefault('record compression', d.compression)).choices([
        'zstd',
        'brotli',
        'snappy',
        'none',
      ]),
    );
}

/** The library options of the flags `buildFlags` added: only those the user gave, so the defaults apply. */
export function buildOptionsFrom(o: Record<string, unknown>): BuildOptions {
  return {
    input: o.input as string[],
    output: o.output as string,
    overwrite: o.overwrite === true,
    ...given({
      mode: o.mode as BuildOptions['mode'],
      threads: (o.threads ?? o.workers) as number | undefined,
      memoryLimitGb: o.memoryLimitGb as number | undefined,
      groupBy: o.groupBy as string | undefined,
      orderBy: o.orderBy as string | undefined,
      testFraction: o.testFraction as number | undefined,
      seed: o.seed as number | undefined,
      shards: o.shards as number | undefined,
      compression: o.compression as BuildOptions['compression'],
    }),
  };
}

/** `submit`'s run config: the build options with absolute paths (workers run elsewhere), `shards`, `merge`. */
export function clusterConfig(o: Record<string, unknown>): ProbeRowsRunConfig {
  const options = buildOptionsFrom(o);
  return {
    ...(options as Omit<ProbeRowsRunConfig, 'input' | 'output' | 'shards' | 'merge'>),
    input: (options.input as string[]).map((glob) => resolve(glob)),
    output: resolve(options.output),
    shards: options.shards ?? 1,
    merge: o.merge === true,
  };
}

/** The options the user gave: the others stay out, so the library's defaults apply. */
export function given<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
