import { Option } from 'commander';
import {
  fraction,
  integer,
  nonNegativeInteger,
  positiveInteger,
  positiveNumber,
  quietProgram,
  reportFlags,
} from '@prepkit/bench-harness/cli';
import type { ReportFlags } from '@prepkit/bench-harness/cli';
import { DEFAULT_BUILD_OPTIONS, DEFAULT_GENERATE_OPTIONS } from '../index.js';
import type { BuildOptions, GenerateOptions, ImportAtlasOptions } from '../index.js';
import { PACKAGE_VERSION } from '../version.js';

export type ParsedCommand =
  | ({ readonly command: 'build'; readonly options: BuildOptions } & ReportFlags)
  | { readonly command: 'inspect'; readonly target: string; readonly json: boolean }
  | ({ readonly command: 'generate'; readonly options: GenerateOptions } & ReportFlags)
  | ({ readonly command: 'import-atlas'; readonly options: ImportAtlasOptions } & ReportFlags)
  | { readonly command: 'help'; readonly text: string };

const EXAMPLES = `
Examples:
  probe-rows generate --measurements 500028 --probes 18928 --output data/measurements.parquet
  probe-rows build --input "data/*.parquet" --output out --group-by src_addr --order-by event_time
  probe-rows build --input data/big.parquet --output out --mode streaming --memory-limit-gb 2 --threads 2
  probe-rows inspect out
  probe-rows import-atlas results.jsonl --output data/atlas.parquet`;

/** An option's help text with the library's default, so the two never disagree. */
const withDefault = (text: string, value: unknown): string => `${text} (default: ${String(value)})`;

/**
 * Parses the command line onto the library's options, keeping only what the user gave (the library
 * fills in its defaults). Pure: nothing runs, nothing exits; a mistake throws `UsageError`.
 */
export function parseArgs(argv: readonly string[]): ParsedCommand {
  let parsed: ParsedCommand | undefined;
  const cli = quietProgram('probe-rows');
  const program = cli.program
    .description(
      'Parquet measurements → one time-ordered Arrow record per probe → ArrayRecord train/test files.',
    )
    .version(PACKAGE_VERSION)
    .addHelpText('after', EXAMPLES);
  const d = DEFAULT_BUILD_OPTIONS;

  program
    .command('build')
    .description(
      'group measurements per probe, order by time, write train/test ArrayRecord files and manifest.json',
    )
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
      withDefault('files per split (train-00000-of-0000N.array_record…)', d.shards),
      positiveInteger,
    )
    .addOption(
      new Option('--compression <codec>', withDefault('record compression', d.compression)).choices([
        'zstd',
        'brotli',
        'snappy',
        'none',
      ]),
    )
    .option('--json', 'print the run report as one JSON object on stdout')
    .option('-q, --quiet', 'no progress or summary')
    .action((o: Record<string, unknown>) => {
      const threads = (o.threads ?? o.workers) as number | undefined;
      parsed = {
        command: 'build',
        ...reportFlags(o),
        options: {
          input: o.input as string[],
          output: o.output as string,
          overwrite: o.overwrite === true,
          ...given({
            mode: o.mode as BuildOptions['mode'],
            threads,
            memoryLimitGb: o.memoryLimitGb as number | undefined,
            groupBy: o.groupBy as string | undefined,
            orderBy: o.orderBy as string | undefined,
            testFraction: o.testFraction as number | undefined,
            seed: o.seed as number | undefined,
            shards: o.shards as number | undefined,
            compression: o.compression as BuildOptions['compression'],
          }),
        },
      };
    });

  program
    .command('inspect')
    .description('counts, record sizes, key range, a sample record and the manifest check of an output')
    .argument('<file-or-dir>', 'an .array_record file, or a build output directory')
    .option('--json', 'print as JSON')
    .action((target: string, o: { json?: boolean }) => {
      parsed = { command: 'inspect', target, json: o.json === true };
    });

  program
    .command('generate')
    .description('write a synthetic dataset shaped like RIPE Atlas ping results')
    .requiredOption('--measurements <n>', 'rows', positiveInteger)
    .requiredOption('--probes <n>', 'distinct probes', positiveInteger)
    .requiredOption('--output <file>', 'Parquet file to write')
    .option('--overwrite', 'replace the file if it exists')
    .option(
      '--seed <n>',
      withDefault('seed of the values', DEFAULT_GENERATE_OPTIONS.seed),
      nonNegativeInteger,
    )
    .option('--json', 'print what was written as one JSON object on stdout')
    .option('-q, --quiet', 'no summary')
    .action((o: Record<string, unknown>) => {
      parsed = {
        command: 'generate',
        ...reportFlags(o),
        options: {
          measurements: o.measurements as number,
          probes: o.probes as number,
          output: o.output as string,
          overwrite: o.overwrite === true,
          ...given({ seed: o.seed as number | undefined }),
        },
      };
    });

  program
    .command('import-atlas')
    .description('RIPE Atlas ping results (JSON lines, a JSON array or one object) → Parquet')
    .argument('<files...>', 'results files')
    .requiredOption('--output <file>', 'Parquet file to write')
    .option('--overwrite', 'replace the file if it exists')
    .option('--json', 'print the counts as one JSON object on stdout')
    .option('-q, --quiet', 'no summary')
    .action((inputs: string[], o: Record<string, unknown>) => {
      parsed = {
        command: 'import-atlas',
        ...reportFlags(o),
        options: { inputs, output: o.output as string, overwrite: o.overwrite === true },
      };
    });

  const outcome = cli.parse(argv);
  if (outcome.kind !== 'parsed') return { command: 'help', text: outcome.text };
  return parsed ?? { command: 'help', text: cli.helpText() };
}

/** The options the user gave: the others stay out, so the library's defaults apply. */
function given<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
