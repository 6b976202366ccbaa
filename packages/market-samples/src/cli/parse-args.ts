import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { nonNegativeInteger, positiveInteger, quietProgram } from '@prepkit/bench-harness';
import { CONFIG_KEYS } from '../config.js';
import type { ConfigValues } from '../config.js';
import { PACKAGE_VERSION } from '../version.js';

export type ParsedCommand =
  | {
      readonly command: 'build';
      /** A config file to read, or undefined for config/default.yaml alone. */
      readonly configFile: string | undefined;
      /** CLI overrides, snake_case keys, string values. */
      readonly overrides: ConfigValues;
      readonly nSamples: number;
      readonly seed: number;
      readonly overwrite: boolean;
      readonly naive: boolean;
      readonly json: boolean;
      readonly quiet: boolean;
    }
  | { readonly command: 'inspect'; readonly target: string; readonly row: number; readonly json: boolean }
  | {
      readonly command: 'generate-raw';
      readonly configFile: string | undefined;
      readonly overrides: ConfigValues;
      readonly bars: number;
      readonly seed: number;
      readonly dirty: number;
      readonly barMinutes: number;
    }
  | {
      readonly command: 'import-csv';
      readonly files: string[];
      readonly ticker: string;
      readonly configFile: string | undefined;
      readonly overrides: ConfigValues;
      readonly output: string | undefined;
      readonly json: boolean;
    }
  | { readonly command: 'help'; readonly text: string };

/** A usage error in the arguments: the CLI prints it and exits with 2. */
export class UsageError extends Error {
  readonly code = 'PREPKIT_MARKET_SAMPLES_USAGE';
}

const EXAMPLES = `
Examples:
  market-samples generate-raw --tickers AAA,BBB,CCC,DDD --bars 250000 --seed 1
  market-samples import-csv AAPL-2019.csv AAPL-2020.csv --ticker AAPL --data-dir data
  market-samples build --n-samples 1000000 --seed 42 --n-jobs 2
  market-samples build --config my.yaml --n-samples 250000 --window 32 --horizons 1,10 --overwrite
  market-samples inspect data/samples_1M.parquet`;

/** Parses the command line. Pure: nothing runs, nothing exits. */
export function parseArgs(argv: readonly string[]): ParsedCommand {
  let parsed: ParsedCommand | undefined;
  const cli = quietProgram('market-samples', (message) => new UsageError(message));
  const program = cli.program
    .description('OHLCV bars → windowed, scaled, labelled samples in zstd Parquet.')
    .version(PACKAGE_VERSION)
    .addHelpText('after', EXAMPLES);

  const build = program
    .command('build')
    .description(
      'clean, split, fit the scaler on train, draw samples, write samples_{n}.parquet + meta_scaler.json',
    )
    .requiredOption('--n-samples <n>', 'samples to write', positiveInteger)
    .option('--seed <n>', 'seed of the sample positions', nonNegativeInteger, 0)
    .option('--overwrite', 'replace existing samples and scaler files', false)
    .option('--naive', 'the slow per-sample baseline (benchmarks only; same output)', false)
    .option('--json', 'print the run report as one JSON object on stdout', false)
    .option('--quiet', 'no progress or summary', false);
  addConfigOptions(build).action((o: Record<string, unknown>) => {
    parsed = {
      command: 'build',
      configFile: o.config as string | undefined,
      overrides: overridesOf(o),
      nSamples: o.nSamples as number,
      seed: o.seed as number,
      overwrite: o.overwrite as boolean,
      naive: o.naive as boolean,
      json: o.json as boolean,
      quiet: o.quiet as boolean,
    };
  });

  const generate = program
    .command('generate-raw')
    .description('write synthetic intraday bars (volatility clustering, gaps, seasonal volume) per ticker')
    .requiredOption('--bars <n>', 'bars per ticker', positiveInteger)
    .option('--seed <n>', 'seed', nonNegativeInteger, 0)
    .option(
      '--dirty <fraction>',
      'share of rows made dirty (duplicates, bad high/low, NaN, swaps)',
      fraction,
      0,
    )
    .option('--bar-minutes <n>', 'minutes per bar', positiveInteger, 5);
  addConfigOptions(generate).action((o: Record<string, unknown>) => {
    parsed = {
      command: 'generate-raw',
      configFile: o.config as string | undefined,
      overrides: overridesOf(o),
      bars: o.bars as number,
      seed: o.seed as number,
      dirty: o.dirty as number,
      barMinutes: o.barMinutes as number,
    };
  });

  const importCsv = program
    .command('import-csv')
    .description(
      'Yahoo-style CSV (Date,Open,High,Low,Close,Adj Close,Volume; any column order) → raw Parquet',
    )
    .argument('<files...>', 'CSV files of one ticker')
    .requiredOption('--ticker <name>', 'the ticker (names the raw file)', tickerName)
    .option('--output <file>', 'raw Parquet file (default: data_dir/raw_{ticker}.parquet)')
    .option('--json', 'print the counts as JSON', false);
  addConfigOptions(importCsv).action((files: string[], o: Record<string, unknown>) => {
    parsed = {
      command: 'import-csv',
      files,
      ticker: o.ticker as string,
      configFile: o.config as string | undefined,
      overrides: overridesOf(o),
      output: o.output as string | undefined,
      json: o.json as boolean,
    };
  });

  program
    .command('inspect')
    .description('schema, rows, per-column statistics and one sample decoded back to bars')
    .argument('<samples.parquet>', 'a samples file')
    .option('--row <n>', 'the sample to decode', nonNegativeInteger, 0)
    .option('--json', 'print as JSON', false)
    .action((target: string, o: { row: number; json: boolean }) => {
      parsed = { command: 'inspect', target, row: o.row, json: o.json };
    });

  const outcome = cli.parse(argv);
  if (outcome.kind !== 'parsed') return { command: 'help', text: outcome.text };
  if (parsed === undefined) return { command: 'help', text: cli.helpText() };
  return parsed;
}

/** `--config FILE` and one flag per configuration key (`--n-jobs`, `--window`, …), kept as strings. */
function addConfigOptions(command: Command): Command {
  command.option('--config <file>', 'YAML configuration (keys replace config/default.yaml)');
  for (const spec of CONFIG_KEYS)
    command.option(`--${spec.key.replaceAll('_', '-')} <value>`, `config ${spec.key}: ${spec.help}`);
  return command;
}

function overridesOf(o: Record<string, unknown>): ConfigValues {
  const overrides: Record<string, unknown> = {};
  for (const spec of CONFIG_KEYS) {
    const camel = spec.key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    if (o[camel] !== undefined) overrides[spec.key] = o[camel];
  }
  return overrides;
}

function tickerName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._^=-]*$/.test(value))
    throw new InvalidArgumentError('must be letters, digits and . _ ^ = - (it names a file)');
  return value;
}

function fraction(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n < 0.5)) throw new InvalidArgumentError('must be in [0, 0.5)');
  return n;
}
