import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { addClusterCommands } from '@prepkit/job-queue/cli';
import type { ClusterCommand } from '@prepkit/job-queue/cli';
import type { Json } from '@prepkit/job-queue';
import { parseShardSpec } from '@prepkit/record-io';
import { positiveInteger, quietProgram, reportFlags } from '@prepkit/bench-harness/cli';
import type { ReportFlags } from '@prepkit/bench-harness/cli';
import { UsageError } from '@prepkit/bench-harness/errors';
import {
  CONSUMERS,
  DEFAULT_BENCH_DATABASE_OPTIONS,
  DEFAULT_GENERATE_OPTIONS,
  DEFAULT_IMPORT_OPTIONS,
  DEFAULT_PREPARE_OPTIONS,
  DEFAULT_VALIDATE_OPTIONS,
  STRATEGIES,
} from '../index.js';
import type {
  BenchDatabaseOptions,
  Consumer,
  GenerateToDatabaseOptions,
  ImportOptions,
  PrepareOptions,
  Strategy,
  ValidateOptions,
} from '../index.js';
import { TOOL } from '../version.js';
import { withoutPassword } from '../cluster-run.js';
import { resolvePrepareOptions } from '../prepare-options.js';
import type { MergeOptions } from '../merge.js';
import { absolutePaths, defined, prepareFlags, prepareOptionsFrom, shardCount } from './prepare-flags.js';
import type { PrepareFlags } from './prepare-flags.js';

/** A parsed command line: what to run, with the library's own option types (only what the user gave). */
export type CliCommand =
  | { kind: 'help'; text: string }
  | { kind: 'version'; text: string }
  | ({ kind: 'init-db'; db: string; indexes: boolean } & ReportFlags)
  | ({ kind: 'import'; options: Omit<ImportOptions, 'reporter' | 'signal'> } & ReportFlags)
  | ({ kind: 'prepare'; options: Omit<PrepareOptions, 'reporter' | 'signal'> } & ReportFlags)
  | ({ kind: 'merge'; options: Omit<MergeOptions, 'signal'> } & ReportFlags)
  | { kind: 'cluster'; command: ClusterCommand }
  | ({ kind: 'validate'; files: string[]; options: Omit<ValidateOptions, 'signal'> } & ReportFlags)
  | ({ kind: 'generate'; options: Omit<GenerateToDatabaseOptions, 'reporter' | 'signal'> } & ReportFlags)
  | ({ kind: 'bench'; options: Omit<BenchDatabaseOptions, 'signal'> } & ReportFlags);

const EXAMPLES = `
Examples:
  $ export DATABASE_URL=postgresql://me@localhost/discord
  $ discord-dataset init-db
  $ discord-dataset import exports/*.json
  $ discord-dataset prepare out/train.jsonl out/valid.jsonl
  $ discord-dataset validate out/train.jsonl out/valid.jsonl
  $ discord-dataset generate --db postgresql://me@localhost/scratch --messages 100000
  $ discord-dataset prepare out/train.jsonl out/valid.jsonl --shard 2/8     # one machine's share
  $ discord-dataset merge out --shards 8
  $ discord-dataset submit out/train.jsonl out/valid.jsonl --shards 8 --merge   # then: discord-dataset worker

Leave the password out of URLs and set PGPASSWORD instead; no message ever shows it.`;

const PREPARE_EXAMPLES = `
Examples:
  $ discord-dataset prepare --db postgresql://me@localhost/discord out/train.jsonl out/valid.jsonl
  $ discord-dataset prepare train.jsonl valid.jsonl --assistant-author 80351110224678912 --max-turns 12
  $ discord-dataset prepare train.jsonl valid.jsonl --example-per reply --format prompt-completion
  $ discord-dataset prepare train.jsonl valid.jsonl --channel 1069213455380336711 --since 2024-01-01 --json`;

/**
 * Parses a command line (without `node` and the script) into a `CliCommand`. Pure: it prints
 * nothing and never exits; `--help` and `--version` come back as text, mistakes as `UsageError`.
 * `env.DATABASE_URL` is the default of `--db`.
 */
export function parseArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): CliCommand {
  let parsed: CliCommand | undefined;
  const cli = quietProgram('discord-dataset');
  const program = cli.program
    .description('Discord history in PostgreSQL -> reply chains -> train/valid fine-tuning JSONL.')
    .version(`${TOOL.name} ${TOOL.version}`, '-V, --version')
    .showSuggestionAfterError(true)
    .addHelpText('after', EXAMPLES);
  const output = (command: Command): Command =>
    command
      .option('--json', 'print one JSON object on stdout instead of the summary')
      .option('-q, --quiet', 'no progress or summary on stderr');
  const database = (command: Command): Command =>
    command.option('--db <url>', 'postgresql:// URL (default: $DATABASE_URL)');
  const db = (flag: string | undefined): string => {
    const url = flag ?? env.DATABASE_URL;
    if (url === undefined || url === '')
      throw new UsageError('no database: pass --db <url> or set DATABASE_URL');
    return url;
  };
  const threads = (command: Command, what: string): Command =>
    command
      .addOption(new Option('--threads <n>', what).argParser(positiveInteger))
      .addOption(new Option('--max-workers <n>').argParser(positiveInteger).hideHelp());

  output(database(program.command('init-db')))
    .description('create the messages and channels tables and the indexes (sql_scripts/*.sql); idempotent')
    .option('--no-indexes', 'skip optimize_indexes.sql')
    .action((o: { db?: string; indexes: boolean } & Partial<ReportFlags>) => {
      parsed = { kind: 'init-db', db: db(o.db), indexes: o.indexes, ...reportFlags(o) };
    });

  output(database(program.command('import').argument('<export.json...>', 'DiscordChatExporter JSON exports')))
    .description(
      'import DiscordChatExporter JSON exports into messages (streaming; re-import updates, never duplicates)',
    )
    .option(
      '--batch-size <n>',
      `messages per COPY batch (default: ${DEFAULT_IMPORT_OPTIONS.batchSize})`,
      positiveInteger,
    )
    .action((files: string[], o: { db?: string; batchSize?: number } & Partial<ReportFlags>) => {
      parsed = {
        kind: 'import',
        options: { db: db(o.db), files, ...defined({ batchSize: o.batchSize }) },
        ...reportFlags(o),
      };
    });

  const d = DEFAULT_PREPARE_OPTIONS;
  output(prepareFlags(program.command('prepare')))
    .description('build reply chains and write train/valid JSONL (atomically, with manifest.json)')
    .option(
      '--shard <i/n>',
      'write only shard i of n (0-based): its files train-0000i-of-0000n.jsonl …, no manifest; merge them later',
    )
    .addHelpText('after', PREPARE_EXAMPLES)
    .action((train: string, valid: string, o: PrepareFlags & { shard?: string } & Partial<ReportFlags>) => {
      const shard = o.shard === undefined ? undefined : parseShardSpec(o.shard);
      if (shard !== undefined && o.shards !== undefined && o.shards !== shard.count) {
        throw new UsageError(`--shard ${o.shard} and --shards ${o.shards} disagree on the shard count`);
      }
      parsed = {
        kind: 'prepare',
        options: {
          ...prepareOptionsFrom(db(o.db), train, valid, o),
          ...(shard === undefined ? {} : { shard }),
        },
        ...reportFlags(o),
      };
    });

  output(program.command('merge').argument('<dir>', 'the directory holding the shard files'))
    .description(
      'merge the shard files of a sharded prepare into train/valid JSONL, byte for byte an unsharded run',
    )
    .requiredOption('--shards <n>', 'how many shards the set has', shardCount)
    .option(
      '--train-name <file>',
      'the train output in <dir> (its shards: <name>-0000i-of-0000n.<ext>)',
      'train.jsonl',
    )
    .option('--valid-name <file>', 'the valid output in <dir>', 'valid.jsonl')
    .option('--remove-shards', 'remove the shard files once the merged files and manifest.json are written')
    .option('--no-manifest', 'do not write manifest.json')
    .option('--overwrite', 'replace an earlier complete output (one its manifest.json lists)')
    .action(
      (
        dir: string,
        o: {
          shards: number;
          trainName: string;
          validName: string;
          removeShards?: boolean;
          manifest: boolean;
          overwrite?: boolean;
        } & Partial<ReportFlags>,
      ) => {
        parsed = {
          kind: 'merge',
          options: {
            train: join(dir, o.trainName),
            valid: join(dir, o.validName),
            shards: o.shards,
            ...defined({
              removeShards: o.removeShards,
              overwrite: o.overwrite,
              manifest: o.manifest ? undefined : false,
            }),
          },
          ...reportFlags(o),
        };
      },
    );

  addClusterCommands(
    program,
    {
      buildFlags: (command) =>
        prepareFlags(command).option('--merge', 'the commit merges the shards into train/valid JSONL'),
      config: (o, args) => {
        const flags = o as unknown as PrepareFlags & { merge?: boolean };
        const options = absolutePaths(prepareOptionsFrom(db(flags.db), args[0]!, args[1]!, flags));
        // Checked now, so that a mistake is a usage error here rather than a failed run.
        resolvePrepareOptions(options);
        return {
          ...options,
          db: withoutPassword(options.db),
          shards: flags.shards ?? 1,
          merge: flags.merge === true,
        } as unknown as Json;
      },
      env,
    },
    (command) => (parsed = { kind: 'cluster', command }),
  );

  output(program.command('validate').argument('<file.jsonl...>', 'JSONL files to check'))
    .description(
      'check JSONL against OpenAI, mlx-lm and strict-alternation rules, with line numbers and statistics',
    )
    .option(
      '--consumers <list>',
      `rules to apply, comma-separated (default: ${DEFAULT_VALIDATE_OPTIONS.consumers.join(',')})`,
      consumerList,
    )
    .option(
      '--max-problems <n>',
      `problems to list; all are counted (default: ${DEFAULT_VALIDATE_OPTIONS.maxProblems})`,
      positiveInteger,
    )
    .action((files: string[], o: { consumers?: Consumer[]; maxProblems?: number } & Partial<ReportFlags>) => {
      parsed = {
        kind: 'validate',
        files,
        options: defined({ consumers: o.consumers, maxProblems: o.maxProblems }),
        ...reportFlags(o),
      };
    });

  const g = DEFAULT_GENERATE_OPTIONS;
  output(database(program.command('generate')))
    .description('generate a synthetic server into messages (deterministic per seed; loaded with COPY)')
    .requiredOption('--messages <n>', 'messages to generate', positiveInteger)
    .option('--channels <n>', `channels (default: ${g.channels})`, positiveInteger)
    .option('--seed <s>', `seed (default: ${g.seed})`)
    .action(
      (o: { db?: string; messages: number; channels?: number; seed?: string } & Partial<ReportFlags>) => {
        parsed = {
          kind: 'generate',
          options: {
            db: db(o.db),
            messages: o.messages,
            ...defined({ channels: o.channels, seed: o.seed }),
          },
          ...reportFlags(o),
        };
      },
    );

  const b = DEFAULT_BENCH_DATABASE_OPTIONS;
  output(threads(database(program.command('bench')), 'worker threads that format (default: CPU count)'))
    .description(
      'time the strategies on your database, read-only, check they agree, and list missing indexes',
    )
    .option(
      '--strategies <list>',
      `comma-separated, baseline first; naive is one query per message (default: ${b.strategies.join(',')})`,
      strategyList,
    )
    .option('--repeats <n>', `measured runs per strategy (default: ${b.repeats})`, positiveInteger)
    .option('--seed <s>', `seed of the train/valid split hash (default: ${d.seed})`)
    .option('--save', 'save the result under bench-results/')
    .action(
      (
        o: {
          db?: string;
          strategies?: Strategy[];
          repeats?: number;
          threads?: number;
          maxWorkers?: number;
          seed?: string;
          save?: boolean;
        } & Partial<ReportFlags>,
      ) => {
        parsed = {
          kind: 'bench',
          options: {
            db: db(o.db),
            ...defined({
              strategies: o.strategies,
              repeats: o.repeats,
              threads: o.threads ?? o.maxWorkers,
              seed: o.seed,
              save: o.save,
            }),
          },
          ...reportFlags(o),
        };
      },
    );

  const outcome = cli.parse(argv);
  if (outcome.kind !== 'parsed') return outcome;
  return parsed ?? { kind: 'help', text: cli.helpText() };
}

function consumerList(value: string): Consumer[] {
  const list = value.split(',').map((v) => v.trim());
  for (const c of list) {
    if (!CONSUMERS.includes(c as Consumer))
      throw new InvalidArgumentError(`must be among ${CONSUMERS.join(', ')}`);
  }
  return list as Consumer[];
}

function strategyList(value: string): Strategy[] {
  const list = value.split(',').map((v) => v.trim());
  for (const s of list) {
    if (!STRATEGIES.includes(s as Strategy))
      throw new InvalidArgumentError(`must be among ${STRATEGIES.join(', ')}`);
  }
  return list as Strategy[];
}
