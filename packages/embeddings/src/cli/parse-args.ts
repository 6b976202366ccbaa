import { Option } from 'commander';
import type { Command } from 'commander';
import { nonNegativeInteger, positiveInteger, quietProgram, reportFlags } from '@prepkit/bench-harness/cli';
import type { ReportFlags } from '@prepkit/bench-harness/cli';
import { UsageError } from '@prepkit/bench-harness/errors';
import {
  DEFAULT_EMBED_TABLE_OPTIONS,
  DEFAULT_GENERATE_OPTIONS,
  DEFAULT_MAKE_TEST_MODEL_OPTIONS,
  DEFAULT_SEARCH_OPTIONS,
  TEST_MODEL_PRESETS,
} from '../index.js';
import type {
  EmbedTableOptions,
  GenerateOptions,
  MakeTestModelOptions,
  SearchOptions,
  StatusOptions,
  TargetNames,
  TestModelPresetName,
} from '../index.js';
import { PACKAGE_VERSION } from '../version.js';

export type ParsedCommand =
  | ({ readonly command: 'make-test-model'; readonly options: MakeTestModelOptions } & ReportFlags)
  | ({ readonly command: 'run'; readonly options: EmbedTableOptions } & ReportFlags)
  | { readonly command: 'status'; readonly options: StatusOptions; readonly json: boolean }
  | { readonly command: 'search'; readonly options: SearchOptions; readonly json: boolean }
  | ({ readonly command: 'generate'; readonly options: GenerateOptions } & ReportFlags)
  | { readonly command: 'help'; readonly text: string };

const EXAMPLES = `
The database URL comes from --db or the DATABASE_URL environment variable (keeps the password out of
the process list).

Examples:
  embeddings make-test-model --output models/tiny --preset tiny
  embeddings generate --db postgresql://localhost/app --table docs --rows 100000
  embeddings run --db postgresql://localhost/app --table docs --model models/tiny
  embeddings run --table messages --text-col body --model models/all-MiniLM-L6-v2 --threads 2 --json
  embeddings status --table docs
  embeddings search --table docs --model models/tiny "why is the database slow" -k 5`;

/**
 * Parses the command line onto the library's options. Pure: nothing runs, nothing exits. Options the
 * user left out stay out, so the library applies its own defaults (which `--help` shows).
 */
export function parseArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ParsedCommand {
  let parsed: ParsedCommand | undefined;
  const cli = quietProgram('embeddings');
  const program = cli.program
    .description('PostgreSQL text rows → ONNX sentence embeddings → written back, resumable.')
    .version(PACKAGE_VERSION)
    .addHelpText('after', EXAMPLES);
  const database = (o: Record<string, unknown>): string => {
    const db = (o.db as string | undefined) ?? env.DATABASE_URL;
    if (db === undefined || db === '') throw new UsageError('--db <url> is required (or set DATABASE_URL)');
    return db;
  };

  program
    .command('make-test-model')
    .description(
      'write a BERT-shaped ONNX model with seeded random weights and a WordPiece tokenizer (offline)',
    )
    .requiredOption('--output <dir>', 'model directory to write (manifest.json last)')
    .addOption(
      new Option('--preset <name>', 'model shape')
        .choices(Object.keys(TEST_MODEL_PRESETS))
        .default(DEFAULT_MAKE_TEST_MODEL_OPTIONS.preset),
    )
    .option('--seed <s>', 'seed of weights and vocabulary', DEFAULT_MAKE_TEST_MODEL_OPTIONS.seed)
    .option('--overwrite', 'replace a model already in the directory')
    .option('--json', 'print the run report as one JSON object on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .action((_: unknown, command: Command) => {
      const o = given(command);
      parsed = {
        command: 'make-test-model',
        ...reportFlags(o),
        options: {
          output: o.output as string,
          preset: o.preset as TestModelPresetName | undefined,
          seed: o.seed as string | undefined,
          overwrite: o.overwrite as boolean | undefined,
        },
      };
    });

  withTarget(program.command('run'))
    .description(
      'embed every row without a vector and write the vectors back (resumable, shareable by several runs)',
    )
    .requiredOption('--model <dir>', 'model directory: model.onnx, tokenizer.json, optional prepkit.json')
    .option(
      '--fetch-size <n>',
      'rows claimed per query (one length-sorted window)',
      positiveInteger,
      DEFAULT_EMBED_TABLE_OPTIONS.fetchSize,
    )
    .option(
      '--max-batch-tokens <n>',
      'padded tokens per model batch',
      positiveInteger,
      DEFAULT_EMBED_TABLE_OPTIONS.maxBatchTokens,
    )
    .option(
      '--max-batch-size <n>',
      'texts per model batch at most',
      positiveInteger,
      DEFAULT_EMBED_TABLE_OPTIONS.maxBatchSize,
    )
    .addOption(
      new Option('--threads <n>', 'ONNX Runtime threads')
        .argParser(positiveInteger)
        .default(DEFAULT_EMBED_TABLE_OPTIONS.threads, 'available cores'),
    )
    .option(
      '--commit-every <n>',
      'windows written per transaction',
      positiveInteger,
      DEFAULT_EMBED_TABLE_OPTIONS.commitEvery,
    )
    .addOption(
      new Option('--device <device>', 'where the model runs')
        .choices(['cpu', 'cuda'])
        .default(DEFAULT_EMBED_TABLE_OPTIONS.device),
    )
    .addOption(
      new Option('--batch-order <order>', 'length: sorted batches; table: id order')
        .choices(['length', 'table'])
        .default(DEFAULT_EMBED_TABLE_OPTIONS.batchOrder),
    )
    .addOption(
      new Option('--vector-type <type>', 'type of a new vector column (vector needs pgvector)')
        .choices(['real[]', 'vector'])
        .default(DEFAULT_EMBED_TABLE_OPTIONS.vectorType),
    )
    .option('--retry-errors', 'also retry rows recorded in <table>_embedding_errors')
    .option('--json', 'print the run report as one JSON object on stdout')
    .option('-q, --quiet', 'no progress or summary')
    .action((_: unknown, command: Command) => {
      const o = given(command);
      parsed = {
        command: 'run',
        ...reportFlags(o),
        options: {
          ...targetOptions(o),
          db: database(o),
          model: o.model as string,
          fetchSize: o.fetchSize as number | undefined,
          maxBatchTokens: o.maxBatchTokens as number | undefined,
          maxBatchSize: o.maxBatchSize as number | undefined,
          threads: o.threads as number | undefined,
          commitEvery: o.commitEvery as number | undefined,
          device: o.device as EmbedTableOptions['device'],
          batchOrder: o.batchOrder as EmbedTableOptions['batchOrder'],
          vectorType: o.vectorType as EmbedTableOptions['vectorType'],
          retryErrors: o.retryErrors as boolean | undefined,
        },
      };
    });

  withTarget(program.command('status'))
    .description('embedded, pending and errored rows')
    .option('--json', 'print as JSON')
    .action((_: unknown, command: Command) => {
      const o = given(command);
      parsed = {
        command: 'status',
        json: o.json === true,
        options: { ...targetOptions(o), db: database(o) },
      };
    });

  withTarget(program.command('search'))
    .description(
      'embed a query and list the nearest rows (pgvector when the column is vector, else an exact scan)',
    )
    .argument('<query>', 'query text')
    .requiredOption('--model <dir>', 'the model the table was embedded with')
    .option('-k <n>', 'rows to return', positiveInteger, DEFAULT_SEARCH_OPTIONS.k)
    .option('--json', 'print as JSON')
    .action((query: string, _: unknown, command: Command) => {
      const o = given(command);
      parsed = {
        command: 'search',
        json: o.json === true,
        options: {
          ...targetOptions(o),
          db: database(o),
          model: o.model as string,
          query,
          k: o.k as number | undefined,
        },
      };
    });

  program
    .command('generate')
    .description(
      'create a table (id bigint, content text) of synthetic texts: many short, some long, a few null or empty',
    )
    .option('--db <url>', 'PostgreSQL connection URL (default: $DATABASE_URL)')
    .requiredOption('--table <name>', 'table to create')
    .requiredOption('--rows <n>', 'rows', nonNegativeInteger)
    .option('--seed <s>', 'seed', DEFAULT_GENERATE_OPTIONS.seed)
    .option('--replace', 'drop the table first if it exists')
    .option('--json', 'print the counts as JSON')
    .option('-q, --quiet', 'print nothing but errors')
    .action((_: unknown, command: Command) => {
      const o = given(command);
      parsed = {
        command: 'generate',
        ...reportFlags(o),
        options: {
          db: database(o),
          table: o.table as string,
          rows: o.rows as number,
          seed: o.seed as string | undefined,
          replace: o.replace as boolean | undefined,
        },
      };
    });

  const outcome = cli.parse(argv);
  if (outcome.kind !== 'parsed') return { command: 'help', text: outcome.text };
  if (parsed === undefined) return { command: 'help', text: cli.helpText() };
  return parsed;
}

/** The flags naming the table and its columns, shared by run, status and search. */
function withTarget(command: Command): Command {
  return command
    .option('--db <url>', 'PostgreSQL connection URL (default: $DATABASE_URL)')
    .requiredOption('--table <name>', 'table (or schema.table) holding the texts')
    .option('--id-col <column>', 'unique key column', DEFAULT_EMBED_TABLE_OPTIONS.idColumn)
    .option('--text-col <column>', 'text column', DEFAULT_EMBED_TABLE_OPTIONS.textColumn)
    .option(
      '--vector-col <column>',
      'vector column (created when missing)',
      DEFAULT_EMBED_TABLE_OPTIONS.vectorColumn,
    );
}

function targetOptions(o: Record<string, unknown>): TargetNames {
  return {
    table: o.table as string,
    idColumn: o.idCol as string | undefined,
    textColumn: o.textCol as string | undefined,
    vectorColumn: o.vectorCol as string | undefined,
  };
}

/** The option values the user gave: the defaults commander holds only for `--help` are left out. */
function given(command: Command): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(command.opts()).filter(([key]) => command.getOptionValueSource(key) !== 'default'),
  );
}
