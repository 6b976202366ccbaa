import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import {
  fraction,
  nonNegativeInteger,
  positiveInteger,
  quietProgram,
  reportFlags,
} from '@prepkit/bench-harness/cli';
import type { ReportFlags } from '@prepkit/bench-harness/cli';
import { UsageError } from '@prepkit/bench-harness/errors';
import {
  CONSUMERS,
  DEFAULT_BENCH_DATABASE_OPTIONS,
  DEFAULT_GENERATE_OPTIONS,
  DEFAULT_IMPORT_OPTIONS,
  DEFAULT_PREPARE_OPTIONS,
  DEFAULT_VALIDATE_OPTIONS,
  EXAMPLE_PER,
  OUTPUT_FORMATS,
  SPEAKER_NAMES,
  STRATEGIES,
} from '../index.js';
import type {
  BenchDatabaseOptions,
  Consumer,
  ExamplePer,
  GenerateToDatabaseOptions,
  ImportOptions,
  OutputFormat,
  PrepareOptions,
  SpeakerNames,
  Strategy,
  ValidateOptions,
} from '../index.js';
import { MAX_SNOWFLAKE, isSnowflake } from '../snowflake.js';
import { TOOL } from '../version.js';

/** A parsed command line: what to run, with the library's own option types (only what the user gave). */
export type CliCommand =
  | { kind: 'help'; text: string }
  | { kind: 'version'; text: string }
  | ({ kind: 'init-db'; db: string; indexes: boolean } & ReportFlags)
  | ({ kind: 'import'; options: Omit<ImportOptions, 'reporter' | 'signal'> } & ReportFlags)
  | ({ kind: 'prepare'; options: Omit<PrepareOptions, 'reporter' | 'signal'> } & ReportFlags)
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
  output(
    threads(
      database(
        program
          .command('prepare')
          .argument('<train.jsonl>', 'training output')
          .argument('<valid.jsonl>', 'validation output'),
      ),
      'worker threads that format; 1 formats on the main thread (default: CPU count)',
    ),
  )
    .description('build reply chains and write train/valid JSONL (atomically, with manifest.json)')
    .addOption(
      new Option('--strategy <name>', `how to read PostgreSQL (default: ${d.strategy})`).choices(STRATEGIES),
    )
    .option('--batch-size <n>', `examples per formatting task (default: ${d.batchSize})`, positiveInteger)
    .option(
      '--parallel-min-messages <n>',
      `use worker threads from this many messages on (default: ${d.parallelMinMessages})`,
      nonNegativeInteger,
    )
    .option(
      '--valid-fraction <f>',
      `share of threads written to valid; at least one thread when two or more have examples (default: ${d.validFraction})`,
      fraction,
    )
    .option('--seed <s>', `seed of the train/valid split hash (default: ${d.seed})`)
    .addOption(new Option('--format <name>', `line format (default: ${d.format})`).choices(OUTPUT_FORMATS))
    .option('--assistant-author <id|name>', 'this author is the assistant; keep only chains ending with them')
    .option(
      '--min-turns <n>',
      `fewest turns per example, after merging (default: ${d.minTurns})`,
      positiveInteger,
    )
    .option('--max-turns <n>', 'keep the last N turns of each example', positiveInteger)
    .option(
      '--max-chars <n>',
      'drop the oldest turns until an example has at most N characters',
      positiveInteger,
    )
    .option('--include-bots', 'keep messages written by bots')
    .option('--channel <id>', 'only this channel (repeat, or comma-separate)', collect)
    .option('--since <date>', 'only messages at or after this date (ISO-8601)')
    .option('--until <date>', 'only messages before this date (ISO-8601)')
    .addOption(
      new Option(
        '--example-per <unit>',
        `one example per thread leaf, or per reply (default: ${d.examplePer})`,
      ).choices(EXAMPLE_PER),
    )
    .addOption(
      new Option(
        '--speaker-names <style>',
        `prefix user turns with "name: " or not (default: ${d.speakerNames})`,
      ).choices(SPEAKER_NAMES),
    )
    .option('--no-manifest', 'do not write manifest.json')
    .option('--overwrite', 'replace an earlier complete output (one its manifest.json lists)')
    .addHelpText('after', PREPARE_EXAMPLES)
    .action((train: string, valid: string, o: PrepareFlags) => {
      parsed = {
        kind: 'prepare',
        options: {
          db: db(o.db),
          train,
          valid,
          ...defined({
            strategy: o.strategy,
            threads: o.threads ?? o.maxWorkers,
            batchSize: o.batchSize,
            parallelMinMessages: o.parallelMinMessages,
            validFraction: o.validFraction,
            seed: o.seed,
            format: o.format,
            assistantAuthor: o.assistantAuthor,
            minTurns: o.minTurns,
            maxTurns: o.maxTurns,
            maxChars: o.maxChars,
            includeBots: o.includeBots,
            channels: o.channel,
            since: o.since,
            until: o.until,
            examplePer: o.examplePer,
            speakerNames: o.speakerNames,
            manifest: o.manifest ? undefined : false,
            overwrite: o.overwrite,
          }),
        },
        ...reportFlags(o),
      };
    });

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

interface PrepareFlags extends Partial<ReportFlags> {
  db?: string;
  channel?: string[];
  manifest: boolean;
  overwrite?: boolean;
  strategy?: Strategy;
  format?: OutputFormat;
  examplePer?: ExamplePer;
  speakerNames?: SpeakerNames;
  includeBots?: boolean;
  threads?: number;
  maxWorkers?: number;
  batchSize?: number;
  parallelMinMessages?: number;
  validFraction?: number;
  seed?: string;
  assistantAuthor?: string;
  minTurns?: number;
  maxTurns?: number;
  maxChars?: number;
  since?: string;
  until?: string;
}

/** The entries of `values` that are not undefined (the library's defaults apply to the rest). */
function defined<T extends Record<string, unknown>>(
  values: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

function collect(value: string, previous: string[] = []): string[] {
  const ids = value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  for (const id of ids)
    if (!isSnowflake(id))
      throw new InvalidArgumentError(`${id} is not a channel id (digits, at most ${MAX_SNOWFLAKE})`);
  return [...previous, ...ids];
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
