import { resolve } from 'node:path';
import { Option } from 'commander';
import type { Command } from 'commander';
import { nonNegativeInteger, positiveInteger } from '@prepkit/bench-harness/cli';
import { DEFAULT_BUILD_SAMPLES_OPTIONS, OPTION_SPECS, optionsFromValues, readConfigFile } from '../index.js';
import type {
  BuildSamplesOptions,
  MarketSamplesOptions,
  MarketSamplesRunConfig,
  OptionSpec,
} from '../index.js';

// The build's flags, added to `build` and to `submit` by this one function, so the two cannot drift.

/** Adds the build flags (all but `--shard`, `--json`, `-q`) to `command`. */
export function buildFlags(command: Command): Command {
  const defaults = DEFAULT_BUILD_SAMPLES_OPTIONS;
  command
    .requiredOption('--n-samples <n>', 'samples to write', positiveInteger)
    .option('--seed <n>', `seed of the sample positions (default: ${defaults.seed})`, nonNegativeInteger)
    .option('--overwrite', 'replace existing samples and scaler files')
    .option('--naive', 'the slow per-sample baseline (benchmarks only; same output)')
    .option(
      '--shards <n>',
      `samples files (samples_{n}-00000-of-0000N.parquet…), tickers by shardOf(ticker, N) (default: ${defaults.shards})`,
      positiveInteger,
    )
    .option(
      '--block-bars <n>',
      `a ticker of more clean bars is cut into time blocks of n window ends, each its own shard unit (ticker#b); the samples and the merged file do not change (default: ${defaults.blockBars})`,
      positiveInteger,
    );
  return addSettings(command, OPTION_SPECS);
}

/** The library options of the flags `buildFlags` added (only those the user gave, so the defaults apply). */
export function buildOptionsFrom(o: Record<string, unknown>): {
  configFile: string | undefined;
  options: Omit<BuildSamplesOptions, 'signal' | 'reporter'>;
} {
  return {
    configFile: o.config as string | undefined,
    options: {
      ...settingsOf(o, OPTION_SPECS),
      nSamples: o.nSamples as number,
      seed: o.seed as number | undefined,
      overwrite: o.overwrite as boolean | undefined,
      variant: o.naive === true ? 'naive' : undefined,
      shards: o.shards as number | undefined,
      blockBars: o.blockBars as number | undefined,
    },
  };
}

/**
 * `submit`'s run config: the configuration file (read here, so workers need not have it) with the flags
 * over it, the data directory absolute (workers run elsewhere, on the same shared path), `shards`, `merge`.
 */
export function clusterConfig(o: Record<string, unknown>): MarketSamplesRunConfig {
  const { configFile, options } = buildOptionsFrom(o);
  const merged = { ...(configFile === undefined ? {} : readConfigFile(configFile)), ...options };
  const plain = JSON.parse(JSON.stringify(merged)) as Omit<
    MarketSamplesRunConfig,
    'dataDir' | 'shards' | 'merge'
  >;
  return {
    ...plain,
    dataDir: resolve(merged.dataDir ?? DEFAULT_BUILD_SAMPLES_OPTIONS.dataDir),
    shards: options.shards ?? 1,
    merge: o.merge === true,
  };
}

export function specsOf(keys: readonly string[]): OptionSpec[] {
  return OPTION_SPECS.filter((s) => keys.includes(s.key));
}

/**
 * `--config FILE` and one flag per configuration key (`--window`, `--threads`, …), each with its default
 * from DEFAULT_BUILD_SAMPLES_OPTIONS (or `shown`) in the help; an older flag name is a hidden alias.
 */
export function addSettings(
  command: Command,
  specs: readonly OptionSpec[],
  shown: Record<string, string> = {},
): Command {
  command.option('--config <file>', 'YAML configuration (see config/example.yaml); flags replace its keys');
  for (const spec of specs) {
    const value: unknown = DEFAULT_BUILD_SAMPLES_OPTIONS[spec.option];
    const fallback = Array.isArray(value) ? value.join(',') : String(value);
    const text = shown[spec.key] ?? spec.defaultMeans ?? fallback;
    command.option(`--${spec.flag} <value>`, `${spec.help}; config key ${spec.key} (default: ${text})`);
    if (spec.alias !== undefined) command.addOption(new Option(`--${spec.alias} <value>`).hideHelp());
  }
  return command;
}

/** The configuration flags the user gave, checked, as options (a flag names itself in errors). */
export function settingsOf(o: Record<string, unknown>, specs: readonly OptionSpec[]): MarketSamplesOptions {
  const values: Record<string, unknown> = {};
  const flags: Record<string, string> = {};
  for (const spec of specs) {
    for (const flag of [spec.flag, spec.alias]) {
      const value = flag === undefined ? undefined : o[camel(flag)];
      if (value === undefined || spec.key in values) continue;
      values[spec.key] = value;
      flags[spec.key] = `--${flag}`;
    }
  }
  return optionsFromValues(values, (key) => flags[key]!);
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
