import { InvalidArgumentError } from 'commander';
import { nonNegativeInteger, positiveInteger, quietProgram, reportFlags } from '@prepkit/bench-harness/cli';
import { addClusterCommands } from '@prepkit/job-queue/cli';
import type { ClusterCommand } from '@prepkit/job-queue/cli';
import { parseShardSpec } from '@prepkit/record-io';
import type { ShardSpec } from '@prepkit/record-io';
import { DEFAULT_GENERATE_RAW_OPTIONS, DEFAULT_INSPECT_OPTIONS } from '../index.js';
import type {
  BuildSamplesOptions,
  GenerateRawOptions,
  MarketSamplesOptions,
  MergeSamplesOptions,
} from '../index.js';
import {
  addSettings,
  buildFlags,
  buildOptionsFrom,
  clusterConfig,
  settingsOf,
  specsOf,
} from './build-flags.js';
import { PACKAGE_VERSION } from '../version.js';

/** What the command line asks for: options for the library, filled only with what the user gave. */
export type ParsedCommand =
  | {
      readonly command: 'build';
      /** A YAML configuration file whose keys the flags replace, if any. */
      readonly configFile: string | undefined;
      readonly options: Omit<BuildSamplesOptions, 'signal' | 'reporter'>;
      readonly json: boolean;
      readonly quiet: boolean;
    }
  | {
      readonly command: 'generate-raw';
      readonly configFile: string | undefined;
      /** Flags of the configuration keys (data_dir, raw_filename, tickers). */
      readonly settings: MarketSamplesOptions;
      readonly options: Omit<GenerateRawOptions, 'tickers' | 'dataDir' | 'rawFilename'>;
      readonly json: boolean;
      readonly quiet: boolean;
    }
  | {
      readonly command: 'import-csv';
      readonly files: string[];
      readonly ticker: string;
      readonly configFile: string | undefined;
      readonly settings: MarketSamplesOptions;
      readonly output: string | undefined;
      readonly overwrite: boolean;
      readonly json: boolean;
      readonly quiet: boolean;
    }
  | {
      readonly command: 'inspect';
      readonly target: string;
      readonly row: number | undefined;
      readonly json: boolean;
    }
  | {
      readonly command: 'merge';
      readonly options: Omit<MergeSamplesOptions, 'signal' | 'reporter'>;
      readonly json: boolean;
      readonly quiet: boolean;
    }
  | ClusterCommand
  | { readonly command: 'help'; readonly text: string };

const EXAMPLES = `
Examples:
  market-samples generate-raw --tickers AAA,BBB,CCC,DDD --bars 250000 --seed 1
  market-samples import-csv AAPL-2019.csv AAPL-2020.csv --ticker AAPL --data-dir data
  market-samples build --n-samples 1000000 --seed 42 --threads 2
  market-samples build --config my.yaml --n-samples 250000 --window 32 --horizons 1,10 --overwrite
  market-samples inspect data/samples_1M.parquet
  market-samples build --n-samples 1000000 --shard 0/4      (… 3/4, on four machines)
  market-samples merge data --shards 4
  market-samples submit --db postgresql://… --data-dir /shared/data --n-samples 1000000 --shards 16 --merge`;

/** The configuration keys that say where raw files are (all that generate-raw and import-csv read). */
const LAYOUT_KEYS = ['data_dir', 'raw_filename'];

/** Parses the command line. Pure: nothing runs, nothing exits; a usage mistake throws `UsageError`. */
export function parseArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ParsedCommand {
  let parsed: ParsedCommand | undefined;
  const cli = quietProgram('market-samples');
  const program = cli.program
    .description('OHLCV bars → windowed, scaled, labelled samples in zstd Parquet.')
    .version(PACKAGE_VERSION)
    .addHelpText('after', EXAMPLES);

  buildFlags(
    program
      .command('build')
      .description(
        'clean, split, fit the scaler on train, draw samples; write samples_{n}.parquet, meta_scaler.json and manifest.json',
      ),
  )
    .option(
      '--shard <i/n>',
      'write only shard i of n (0-based): its samples file, no scaler or manifest (see merge)',
      parseShardSpec,
    )
    .option('--json', 'print the run report as one JSON object on stdout')
    .option('-q, --quiet', 'no progress or summary')
    .action((o: Record<string, unknown>) => {
      const { configFile, options } = buildOptionsFrom(o);
      parsed = {
        command: 'build',
        configFile,
        options: o.shard === undefined ? options : { ...options, shard: o.shard as ShardSpec },
        ...reportFlags(o),
      };
    });

  program
    .command('merge')
    .description(
      'merge the N shard files of a build (--shards N, or --shard i/N runs) into samples_{n}.parquet, then meta_scaler.json and manifest.json',
    )
    .argument('<dir>', 'the data directory holding every shard file')
    .requiredOption('--shards <n>', 'N, the shard count of the files', positiveInteger)
    .option(
      '--samples <file>',
      'the one-file name (samples_1M.parquet) when shard files of several builds lie there',
    )
    .option('--threads <n>', 'Parquet encoder threads (default: all cores)', positiveInteger)
    .option('--overwrite', 'replace a complete earlier merged output')
    .option('--remove-shards', 'remove the shard files once the merged output is complete')
    .option('--json', 'print what was written as one JSON object on stdout')
    .option('-q, --quiet', 'no summary')
    .action((dir: string, o: Record<string, unknown>) => {
      parsed = {
        command: 'merge',
        options: {
          dir,
          shards: o.shards as number,
          ...(typeof o.samples === 'string' ? { samples: o.samples } : {}),
          ...(typeof o.threads === 'number' ? { threads: o.threads } : {}),
          overwrite: o.overwrite === true,
          removeShards: o.removeShards === true,
        },
        ...reportFlags(o),
      };
    });

  const generated = DEFAULT_GENERATE_RAW_OPTIONS;
  const generate = program
    .command('generate-raw')
    .description('write synthetic intraday bars (volatility clustering, gaps, seasonal volume) per ticker')
    .requiredOption('--bars <n>', 'bars per ticker', positiveInteger)
    .option('--seed <n>', `seed (default: ${generated.seed})`, nonNegativeInteger)
    .option(
      '--dirty <fraction>',
      `share of rows made dirty: duplicates, bad high/low, NaN, swaps (default: ${generated.dirty})`,
      dirtyShare,
    )
    .option('--bar-minutes <n>', `minutes per bar (default: ${generated.barMinutes})`, positiveInteger)
    .option('--overwrite', 'replace existing raw files')
    .option('--json', 'print the files written as JSON on stdout')
    .option('-q, --quiet', 'no summary');
  const generateSpecs = specsOf([...LAYOUT_KEYS, 'tickers']);
  addSettings(generate, generateSpecs, { tickers: generated.tickers.join(',') }).action(
    (o: Record<string, unknown>) => {
      parsed = {
        command: 'generate-raw',
        configFile: o.config as string | undefined,
        settings: settingsOf(o, generateSpecs),
        options: {
          bars: o.bars as number,
          seed: o.seed as number | undefined,
          dirty: o.dirty as number | undefined,
          barMinutes: o.barMinutes as number | undefined,
          overwrite: o.overwrite as boolean | undefined,
        },
        ...reportFlags(o),
      };
    },
  );

  const importCsv = program
    .command('import-csv')
    .description(
      'Yahoo-style CSV (Date,Open,High,Low,Close,Adj Close,Volume; any column order) → raw Parquet',
    )
    .argument('<files...>', 'CSV files of one ticker')
    .requiredOption('--ticker <name>', 'the ticker (names the raw file)', tickerName)
    .option('--output <file>', 'raw Parquet file (default: data_dir/raw_filename for the ticker)')
    .option('--overwrite', 'replace an existing output file')
    .option('--json', 'print the counts as JSON on stdout')
    .option('-q, --quiet', 'no summary');
  const layoutSpecs = specsOf(LAYOUT_KEYS);
  addSettings(importCsv, layoutSpecs).action((files: string[], o: Record<string, unknown>) => {
    parsed = {
      command: 'import-csv',
      files,
      ticker: o.ticker as string,
      configFile: o.config as string | undefined,
      settings: settingsOf(o, layoutSpecs),
      output: o.output as string | undefined,
      overwrite: o.overwrite === true,
      ...reportFlags(o),
    };
  });

  program
    .command('inspect')
    .description('schema, rows, per-column statistics and one sample decoded back to bars')
    .argument('<samples.parquet>', 'a samples file')
    .option('--row <n>', `the sample to decode (default: ${DEFAULT_INSPECT_OPTIONS.row})`, nonNegativeInteger)
    .option('--json', 'print as JSON')
    .action((target: string, o: { row?: number; json?: boolean }) => {
      parsed = { command: 'inspect', target, row: o.row, json: o.json === true };
    });

  addClusterCommands(
    program,
    {
      buildFlags: (command) =>
        buildFlags(command).option('--merge', 'merge the shards into samples_{n}.parquet at the end'),
      config: (o) => clusterConfig(o),
      env,
    },
    (command) => (parsed = command),
  );

  const outcome = cli.parse(argv);
  if (outcome.kind !== 'parsed') return { command: 'help', text: outcome.text };
  if (parsed === undefined) return { command: 'help', text: cli.helpText() };
  return parsed;
}

function tickerName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._^=-]*$/.test(value))
    throw new InvalidArgumentError('must be letters, digits and . _ ^ = - (it names a file)');
  return value;
}

function dirtyShare(value: string): number {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!(n >= 0 && n < 0.5)) throw new InvalidArgumentError('must be in [0, 0.5)');
  return n;
}
