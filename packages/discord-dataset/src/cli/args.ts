import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { fraction, nonNegativeInteger, positiveInteger, quietProgram } from '@prepkit/bench-harness';
import type { BenchDatabaseOptions } from '../bench-database.js';
import { UsageError } from '../errors.js';
import type { GenerateToDatabaseOptions } from '../generate.js';
import type { ImportOptions } from '../import.js';
import { EXAMPLE_PER, OUTPUT_FORMATS, SPEAKER_NAMES, STRATEGIES } from '../prepare-options.js';
import type { ExamplePer, OutputFormat, PrepareOptions, SpeakerNames, Strategy } from '../prepare-options.js';
import type { Consumer } from '../validate.js';
import { CONSUMERS } from '../validate.js';
import { TOOL } from '../version.js';

/** Flags every command that reports shares. */
export interface OutputFlags {
  json: boolean;
  quiet: boolean;
}

/** A parsed command line: what to run, with the library's own option types. */
export type CliCommand =
  | { kind: 'help'; text: string }
  | { kind: 'version'; text: string }
  | ({ kind: 'init-db'; db: string; indexes: boolean } & OutputFlags)
  | ({ kind: 'import'; options: Omit<ImportOptions, 'reporter' | 'signal'> } & OutputFlags)
  | ({ kind: 'prepare'; options: Omit<PrepareOptions, 'reporter' | 'signal'> } & OutputFlags)
  | ({ kind: 'validate'; files: string[]; consumers: Consumer[]; maxProblems: number } & OutputFlags)
  | ({ kind: 'generate'; options: Omit<GenerateToDatabaseOptions, 'reporter' | 'signal'> } & OutputFlags)
  | ({ kind: 'bench'; options: BenchDatabaseOptions } & OutputFlags);

const EXAMPLES = `
Examples:
  $ discord-dataset init-db postgresql://me@localhost/discord
  $ discord-dataset import exports/*.json --db postgresql://me@localhost/discord
  $ discord-dataset prepare postgresql://me@localhost/discord out/train.jsonl out/valid.jsonl
  $ discord-dataset validate out/train.jsonl out/valid.jsonl
  $ discord-dataset generate --db postgresql://me@localhost/scratch --messages 100000

Leave the password out of URLs and set PGPASSWORD instead; no message ever shows it.`;

const PREPARE_EXAMPLES = `
Examples:
  $ discord-dataset prepare postgresql://me@localhost/discord out/train.jsonl out/valid.jsonl
  $ discord-dataset prepare $DB train.jsonl valid.jsonl --assistant-author 80351110224678912 --max-turns 12
  $ discord-dataset prepare $DB train.jsonl valid.jsonl --example-per reply --format prompt-completion
  $ discord-dataset prepare $DB train.jsonl valid.jsonl --channel 1069213455380336711 --since 2024-01-01 --json`;

/**
 * Parses a command line (without `node` and the script) into a `CliCommand`. Pure: it prints
 * nothing and never exits; `--help` and `--version` come back as text, mistakes as `UsageError`.
 */
export function parseArgs(argv: readonly string[]): CliCommand {
  let parsed: CliCommand | undefined;
  const cli = quietProgram('discord-dataset', (message) => new UsageError(message));
  const program = cli.program
    .description('Discord history in PostgreSQL -> reply chains -> train/valid fine-tuning JSONL.')
    .version(`${TOOL.name} ${TOOL.version}`, '-V, --version')
    .showSuggestionAfterError(true)
    .addHelpText('after', EXAMPLES);
  const output = (command: Command): Command =>
    command
      .option('--json', 'print one JSON object on stdout instead of the summary', false)
      .option('-q, --quiet', 'no progress or summary on stderr', false);

  output(program.command('init-db').argument('<db-url>', 'postgresql:// URL'))
    .description('create the messages and channels tables and the indexes (sql_scripts/*.sql); idempotent')
    .option('--no-indexes', 'skip optimize_indexes.sql')
    .action((db: string, o: { indexes: boolean; json: boolean; quiet: boolean }) => {
      parsed = { kind: 'init-db', db, indexes: o.indexes, json: o.json, quiet: o.quiet };
    });

  output(program.command('import').argument('<export.json...>', 'DiscordChatExporter JSON exports'))
    .description(
      'import DiscordChatExporter JSON exports into messages (streaming; re-import updates, never duplicates)',
    )
    .requiredOption('--db <url>', 'postgresql:// URL of a database set up with init-db')
    .option('--batch-size <n>', 'messages per COPY batch (default 5000)', positiveInteger)
    .action((files: string[], o: { db: string; batchSize?: number } & OutputFlags) => {
      parsed = {
        kind: 'import',
        options: { db: o.db, files, ...defined({ batchSize: o.batchSize }) },
        json: o.json,
        quiet: o.quiet,
      };
    });

  output(
    program
      .command('prepare')
      .argument('<db-url>', 'postgresql:// URL')
      .argument('<train.jsonl>', 'training output')
      .argument('<valid.jsonl>', 'validation output'),
  )
    .description('build reply chains and write train/valid JSONL (atomically, with manifest.json)')
    .addOption(new Option('--strategy <name>', 'how to read PostgreSQL').choices(STRATEGIES).default('copy'))
    .option(
      '--max-workers <n>',
      'formatting threads; 1 formats on the main thread (default: CPU count)',
      positiveInteger,
    )
    .option('--batch-size <n>', 'examples per formatting task (default 1000)', positiveInteger)
    .option(
      '--parallel-min-messages <n>',
      'use worker threads from this many messages on (default 250000)',
      nonNegativeInteger,
    )
    .option('--valid-fraction <f>', 'share of threads written to valid (default 0.05)', fraction)
    .option('--seed <s>', 'seed of the train/valid split hash (default 0)')
    .addOption(new Option('--format <name>', 'line format').choices(OUTPUT_FORMATS).default('messages'))
    .option('--assistant-author <id|name>', 'this author is the assistant; keep only chains ending with them')
    .option('--min-turns <n>', 'fewest turns per example, after merging (default 2)', positiveInteger)
    .option('--max-turns <n>', 'keep the last N turns of each example', positiveInteger)
    .option(
      '--max-chars <n>',
      'drop the oldest turns until an example has at most N characters',
      positiveInteger,
    )
    .option('--include-bots', 'keep messages written by bots', false)
    .option('--channel <id>', 'only this channel (repeat, or comma-separate)', collect, [] as string[])
    .option('--since <date>', 'only messages at or after this date (ISO-8601)')
    .option('--until <date>', 'only messages before this date (ISO-8601)')
    .addOption(
      new Option('--example-per <unit>', 'one example per thread leaf, or per reply')
        .choices(EXAMPLE_PER)
        .default('leaf'),
    )
    .addOption(
      new Option('--speaker-names <style>', 'prefix user turns with "name: " or not')
        .choices(SPEAKER_NAMES)
        .default('prefix'),
    )
    .option('--no-manifest', 'do not write manifest.json')
    .addHelpText('after', PREPARE_EXAMPLES)
    .action((db: string, train: string, valid: string, o: PrepareFlags) => {
      parsed = {
        kind: 'prepare',
        options: {
          db,
          train,
          valid,
          strategy: o.strategy,
          format: o.format,
          examplePer: o.examplePer,
          speakerNames: o.speakerNames,
          includeBots: o.includeBots,
          channels: o.channel,
          manifest: o.manifest,
          ...defined({
            maxWorkers: o.maxWorkers,
            batchSize: o.batchSize,
            parallelMinMessages: o.parallelMinMessages,
            validFraction: o.validFraction,
            seed: o.seed,
            assistantAuthor: o.assistantAuthor,
            minTurns: o.minTurns,
            maxTurns: o.maxTurns,
            maxChars: o.maxChars,
            since: o.since,
            until: o.until,
          }),
        },
        json: o.json,
        quiet: o.quiet,
      };
    });

  output(program.command('validate').argument('<file.jsonl...>', 'JSONL files to check'))
    .description(
      'check JSONL against OpenAI, mlx-lm and strict-alternation rules, with line numbers and statistics',
    )
    .option('--consumers <list>', `rules to apply, comma-separated (${CONSUMERS.join(',')})`, consumerList)
    .option('--max-problems <n>', 'problems to list (all are counted; default 100)', positiveInteger)
    .action((files: string[], o: { consumers?: Consumer[]; maxProblems?: number } & OutputFlags) => {
      parsed = {
        kind: 'validate',
        files,
        consumers: o.consumers ?? [...CONSUMERS],
        maxProblems: o.maxProblems ?? 100,
        json: o.json,
        quiet: o.quiet,
      };
    });

  output(program.command('generate'))
    .description('generate a synthetic server into messages (deterministic per seed; loaded with COPY)')
    .requiredOption('--db <url>', 'postgresql:// URL of a database set up with init-db')
    .requiredOption('--messages <n>', 'messages to generate', positiveInteger)
    .option('--channels <n>', 'channels (default 8)', positiveInteger)
    .option('--seed <s>', 'seed (default 0)')
    .action((o: { db: string; messages: number; channels?: number; seed?: string } & OutputFlags) => {
      parsed = {
        kind: 'generate',
        options: { db: o.db, messages: o.messages, ...defined({ channels: o.channels, seed: o.seed }) },
        json: o.json,
        quiet: o.quiet,
      };
    });

  output(program.command('bench').argument('<db-url>', 'postgresql:// URL'))
    .description(
      'time the strategies on your database, read-only, check they agree, and list missing indexes',
    )
    .option(
      '--strategies <list>',
      'comma-separated, baseline first (default cte,copy; naive is one query per message)',
      strategyList,
    )
    .option('--repeats <n>', 'measured runs per strategy (default 1)', positiveInteger)
    .option('--max-workers <n>', 'formatting threads', positiveInteger)
    .option('--save', 'save the result under bench-results/', false)
    .action(
      (
        db: string,
        o: { strategies?: Strategy[]; repeats?: number; maxWorkers?: number; save: boolean } & OutputFlags,
      ) => {
        parsed = {
          kind: 'bench',
          options: {
            db,
            save: o.save,
            ...defined({ strategies: o.strategies, repeats: o.repeats, maxWorkers: o.maxWorkers }),
          },
          json: o.json,
          quiet: o.quiet,
        };
      },
    );

  const outcome = cli.parse(argv);
  if (outcome.kind !== 'parsed') return outcome;
  return parsed ?? { kind: 'help', text: program.helpInformation() };
}

interface PrepareFlags extends OutputFlags {
  strategy: Strategy;
  format: OutputFormat;
  examplePer: ExamplePer;
  speakerNames: SpeakerNames;
  includeBots: boolean;
  channel: string[];
  manifest: boolean;
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

function collect(value: string, previous: string[]): string[] {
  const ids = value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  for (const id of ids)
    if (!/^\d{1,20}$/.test(id)) throw new InvalidArgumentError(`${id} is not a channel id`);
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
