import { nonNegativeInteger, positiveInteger, quietProgram, reportFlags } from '@prepkit/bench-harness/cli';
import type { ReportFlags } from '@prepkit/bench-harness/cli';
import { addClusterCommands } from '@prepkit/job-queue/cli';
import type { ClusterCommand } from '@prepkit/job-queue/cli';
import { parseShardSpec } from '@prepkit/record-io';
import type { ShardSpec } from '@prepkit/record-io';
import { DEFAULT_GENERATE_OPTIONS } from '../index.js';
import type { BuildOptions, GenerateOptions, ImportAtlasOptions, MergeOptions } from '../index.js';
import { buildFlags, buildOptionsFrom, clusterConfig, given, withDefault } from './build-flags.js';
import { PACKAGE_VERSION } from '../version.js';

export type ParsedCommand =
  | ({ readonly command: 'build'; readonly options: BuildOptions } & ReportFlags)
  | ({ readonly command: 'merge'; readonly options: MergeOptions } & ReportFlags)
  | ClusterCommand
  | { readonly command: 'inspect'; readonly target: string; readonly json: boolean }
  | ({ readonly command: 'generate'; readonly options: GenerateOptions } & ReportFlags)
  | ({ readonly command: 'import-atlas'; readonly options: ImportAtlasOptions } & ReportFlags)
  | { readonly command: 'help'; readonly text: string };

const EXAMPLES = `
Examples:
  probe-rows generate --measurements 500028 --probes 18928 --output data/measurements.parquet
  probe-rows build --input "data/*.parquet" --output out --group-by src_addr --order-by event_time
  probe-rows build --input data/big.parquet --output out --mode streaming --memory-limit-gb 2 --threads 2
  probe-rows build --input "data/*.parquet" --output out --shard 0/4      (… 3/4, on four machines)
  probe-rows merge out --shards 4
  probe-rows submit --db postgresql://… --input /shared/data/*.parquet --output /shared/out --shards 16 --merge
  probe-rows worker --db postgresql://… --exit-when-idle
  probe-rows inspect out
  probe-rows import-atlas results.jsonl --output data/atlas.parquet`;

/**
 * Parses the command line onto the library's options, keeping only what the user gave (the library
 * fills in its defaults). Pure: nothing runs, nothing exits; a mistake throws `UsageError`.
 */
export function parseArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ParsedCommand {
  let parsed: ParsedCommand | undefined;
  const cli = quietProgram('probe-rows');
  const program = cli.program
    .description(
      'Parquet measurements → one time-ordered Arrow record per probe → ArrayRecord train/test files.',
    )
    .version(PACKAGE_VERSION)
    .addHelpText('after', EXAMPLES);

  buildFlags(
    program
      .command('build')
      .description(
        'group measurements per probe, order by time, write train/test ArrayRecord files and manifest.json',
      ),
  )
    .option(
      '--shard <i/n>',
      'build only shard i of n (0-based): its train/test files, no manifest (see merge)',
      parseShardSpec,
    )
    .option('--json', 'print the run report as one JSON object on stdout')
    .option('-q, --quiet', 'no progress or summary')
    .action((o: Record<string, unknown>) => {
      const options = buildOptionsFrom(o);
      parsed = {
        command: 'build',
        ...reportFlags(o),
        options: o.shard === undefined ? options : { ...options, shard: o.shard as ShardSpec },
      };
    });

  program
    .command('merge')
    .description(
      'merge the N shard files of each split (--shard i/N runs) into train/test.array_record, then manifest.json',
    )
    .argument('<dir>', 'the output directory holding every shard file')
    .requiredOption('--shards <n>', 'N, the shard count of the files', positiveInteger)
    .option('--overwrite', 'replace a complete earlier train/test.array_record')
    .option('--remove-shards', 'remove the shard files once the merged output is complete')
    .option('--json', 'print what was written as one JSON object on stdout')
    .option('-q, --quiet', 'no summary')
    .action((output: string, o: Record<string, unknown>) => {
      parsed = {
        command: 'merge',
        ...reportFlags(o),
        options: {
          output,
          shards: o.shards as number,
          overwrite: o.overwrite === true,
          removeShards: o.removeShards === true,
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

  addClusterCommands(
    program,
    {
      buildFlags: (command) =>
        buildFlags(command).option('--merge', 'merge the shards into train/test.array_record at the end'),
      config: (o) => clusterConfig(o),
      env,
    },
    (command) => (parsed = command),
  );

  const outcome = cli.parse(argv);
  if (outcome.kind !== 'parsed') return { command: 'help', text: outcome.text };
  return parsed ?? { command: 'help', text: cli.helpText() };
}
