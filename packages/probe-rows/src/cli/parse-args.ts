import { Option } from 'commander';
import { fraction, integer, positiveInteger, positiveNumber, quietProgram } from '@prepkit/bench-harness';
import type { BuildOptions } from '../build-options.js';
import { PACKAGE_VERSION } from '../version.js';

export type ParsedCommand =
  | {
      readonly command: 'build';
      readonly options: BuildOptions;
      readonly json: boolean;
      readonly quiet: boolean;
    }
  | { readonly command: 'inspect'; readonly target: string; readonly json: boolean }
  | {
      readonly command: 'generate';
      readonly measurements: number;
      readonly probes: number;
      readonly output: string;
      readonly seed: number;
    }
  | {
      readonly command: 'import-atlas';
      readonly inputs: string[];
      readonly output: string;
      readonly json: boolean;
    }
  | { readonly command: 'help'; readonly text: string };

/** A usage error in the arguments: the CLI prints it and exits with 2. */
export class UsageError extends Error {
  readonly code = 'PREPKIT_PROBE_ROWS_USAGE';
}

const EXAMPLES = `
Examples:
  probe-rows generate --measurements 500028 --probes 18928 --output data/measurements.parquet
  probe-rows build --input "data/*.parquet" --output out --group-by src_addr --order-by event_time
  probe-rows build --input data/big.parquet --output out --mode streaming --memory-limit-gb 2 --workers 2
  probe-rows inspect out
  probe-rows import-atlas results.jsonl --output data/atlas.parquet`;

/** Parses the command line onto the library's options. Pure: nothing runs, nothing exits. */
export function parseArgs(argv: readonly string[]): ParsedCommand {
  let parsed: ParsedCommand | undefined;
  const cli = quietProgram('probe-rows', (message) => new UsageError(message));
  const program = cli.program
    .description(
      'Parquet measurements → one time-ordered Arrow record per probe → ArrayRecord train/test files.',
    )
    .version(PACKAGE_VERSION)
    .addHelpText('after', EXAMPLES);

  program
    .command('build')
    .description(
      'group measurements per probe, order by time, write train/test ArrayRecord files and manifest.json',
    )
    .requiredOption('--input <glob...>', 'Parquet file(s) or glob(s) of measurements')
    .requiredOption('--output <dir>', 'output directory')
    .addOption(
      new Option('--mode <mode>', 'how to group')
        .choices(['sequential', 'parallel', 'streaming'])
        .default('streaming'),
    )
    .option('--workers <n>', 'encoding threads (default: available cores)', positiveInteger)
    .option('--memory-limit-gb <gb>', "DuckDB's memory limit; it spills to disk beyond it", positiveNumber, 2)
    .option('--group-by <column>', 'probe key column', 'src_addr')
    .option('--order-by <column>', 'time column', 'event_time')
    .option('--test-fraction <f>', 'share of probes in test.array_record', fraction, 0.1)
    .option('--seed <n>', 'seed of the train/test split hash', integer, 0)
    .option('--shards <n>', 'files per split (train-00000-of-0000N.array_record…)', positiveInteger, 1)
    .addOption(
      new Option('--compression <codec>', 'record compression')
        .choices(['zstd', 'brotli', 'snappy', 'none'])
        .default('zstd'),
    )
    .option('--json', 'print the run report as one JSON object on stdout', false)
    .option('--quiet', 'no progress or summary', false)
    .action((o: Record<string, unknown>) => {
      parsed = {
        command: 'build',
        json: o.json as boolean,
        quiet: o.quiet as boolean,
        options: {
          input: o.input as string[],
          output: o.output as string,
          mode: o.mode as BuildOptions['mode'],
          ...(o.workers === undefined ? {} : { workers: o.workers as number }),
          memoryLimitGb: o.memoryLimitGb as number,
          groupBy: o.groupBy as string,
          orderBy: o.orderBy as string,
          testFraction: o.testFraction as number,
          seed: o.seed as number,
          shards: o.shards as number,
          compression: o.compression as BuildOptions['compression'],
        },
      };
    });

  program
    .command('inspect')
    .description('counts, record sizes, key range, a sample record and the manifest check of an output')
    .argument('<file-or-dir>', 'an .array_record file, or a build output directory')
    .option('--json', 'print as JSON', false)
    .action((target: string, o: { json: boolean }) => {
      parsed = { command: 'inspect', target, json: o.json };
    });

  program
    .command('generate')
    .description('write a synthetic dataset shaped like RIPE Atlas ping results')
    .requiredOption('--measurements <n>', 'rows', positiveInteger)
    .requiredOption('--probes <n>', 'distinct probes', positiveInteger)
    .requiredOption('--output <file>', 'Parquet file to write')
    .option('--seed <n>', 'seed', integer, 0)
    .action((o: { measurements: number; probes: number; output: string; seed: number }) => {
      parsed = { command: 'generate', ...o };
    });

  program
    .command('import-atlas')
    .description('RIPE Atlas ping results (JSON lines, a JSON array or one object) → Parquet')
    .argument('<files...>', 'results files')
    .requiredOption('--output <file>', 'Parquet file to write')
    .option('--json', 'print the counts as JSON', false)
    .action((inputs: string[], o: { output: string; json: boolean }) => {
      parsed = { command: 'import-atlas', inputs, output: o.output, json: o.json };
    });

  const outcome = cli.parse(argv);
  if (outcome.kind !== 'parsed') return { command: 'help', text: outcome.text };
  if (parsed === undefined) return { command: 'help', text: cli.helpText() };
  return parsed;
}
