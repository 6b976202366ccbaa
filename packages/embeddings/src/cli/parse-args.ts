import type { Command } from 'commander';
import { Option } from 'commander';
import { nonNegativeInteger, positiveInteger, quietProgram } from '@prepkit/bench-harness';
import { DEFAULT_EMBED_TABLE_OPTIONS as DEFAULTS } from '../embed-options.js';
import type { EmbedTableOptions } from '../embed-options.js';
import type { GenerateOptions } from '../generate.js';
import type { SearchOptions } from '../search.js';
import type { StatusOptions } from '../status.js';
import type { MakeTestModelOptions } from '../test-model/make-test-model.js';
import { PACKAGE_VERSION } from '../version.js';

export type ParsedCommand =
  | { readonly command: 'make-test-model'; readonly options: MakeTestModelOptions; readonly json: boolean }
  | {
      readonly command: 'run';
      readonly options: EmbedTableOptions;
      readonly json: boolean;
      readonly quiet: boolean;
    }
  | { readonly command: 'status'; readonly options: StatusOptions; readonly json: boolean }
  | { readonly command: 'search'; readonly options: SearchOptions; readonly json: boolean }
  | { readonly command: 'generate'; readonly options: GenerateOptions; readonly json: boolean }
  | { readonly command: 'help'; readonly text: string };

/** A usage error in the arguments: the CLI prints it and exits with 2. */
export class UsageError extends Error {
  readonly code = 'PREPKIT_EMBEDDINGS_USAGE';
}

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

/** Parses the command line onto the library's options. Pure: nothing runs, nothing exits. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): ParsedCommand {
  let parsed: ParsedCommand | undefined;
  const cli = quietProgram('embeddings', (message) => new UsageError(message));
  const program = cli.program
    .description('PostgreSQL text rows → ONNX sentence embeddings → written back, resumable.')
    .version(PACKAGE_VERSION)
    .addHelpText('after', EXAMPLES);

  const database = (o: Record<string, unknown>): string => {
    const db = (o.db as string | undefined) ?? env.DATABASE_URL;
    if (db === undefined || db === '') throw new UsageError('--db <url> is required (or set DATABASE_URL)');
    return db;
  };
  const target = (command: Command): Command =>
    command
      .option('--db <url>', 'PostgreSQL connection URL (default: $DATABASE_URL)')
      .requiredOption('--table <name>', 'table (or schema.table) holding the texts')
      .option('--id-col <column>', 'unique key column', 'id')
      .option('--text-col <column>', 'text column', 'content')
      .option('--vector-col <column>', 'vector column (created when missing)', 'embedding');
  const targetOptions = (o: Record<string, unknown>) => ({
    db: database(o),
    table: o.table as string,
    idColumn: o.idCol as string,
    textColumn: o.textCol as string,
    vectorColumn: o.vectorCol as string,
  });

  program
    .command('make-test-model')
    .description(
      'write a BERT-shaped ONNX model with seeded random weights and a WordPiece tokenizer (offline)',
    )
    .requiredOption('--output <dir>', 'model directory to write')
    .addOption(new Option('--preset <name>', 'model shape').choices(['tiny', 'minilm-l6']).default('tiny'))
    .option('--seed <s>', 'seed of weights and vocabulary', 'prepkit')
    .option('--json', 'print what was written as JSON', false)
    .action((o: Record<string, unknown>) => {
      parsed = {
        command: 'make-test-model',
        json: o.json as boolean,
        options: {
          output: o.output as string,
          preset: o.preset as 'tiny' | 'minilm-l6',
          seed: o.seed as string,
        },
      };
    });

  target(program.command('run'))
    .description(
      'embed every row without a vector and write the vectors back (resumable, shareable by several runs)',
    )
    .requiredOption('--model <dir>', 'model directory: model.onnx, tokenizer.json, optional prepkit.json')
    .option(
      '--fetch-size <n>',
      'rows claimed per query (one length-sorted window)',
      positiveInteger,
      DEFAULTS.fetchSize,
    )
    .option(
      '--max-batch-tokens <n>',
      'padded tokens per model batch',
      positiveInteger,
      DEFAULTS.maxBatchTokens,
    )
    .option('--max-batch-size <n>', 'texts per model batch at most', positiveInteger, DEFAULTS.maxBatchSize)
    .option('--threads <n>', 'ONNX Runtime threads (default: available cores)', positiveInteger)
    .option('--commit-every <n>', 'windows written per transaction', positiveInteger, DEFAULTS.commitEvery)
    .addOption(
      new Option('--device <device>', 'where the model runs').choices(['cpu', 'cuda']).default('cpu'),
    )
    .addOption(
      new Option('--batch-order <order>', 'length: sorted batches; table: id order')
        .choices(['length', 'table'])
        .default('length'),
    )
    .addOption(
      new Option('--vector-type <type>', 'type of a new vector column (vector needs pgvector)')
        .choices(['real[]', 'vector'])
        .default('real[]'),
    )
    .option('--retry-errors', 'also retry rows recorded in <table>_embedding_errors', false)
    .option('--json', 'print the run report as one JSON object on stdout', false)
    .option('--quiet', 'no progress or summary', false)
    .action((o: Record<string, unknown>) => {
      parsed = {
        command: 'run',
        json: o.json as boolean,
        quiet: o.quiet as boolean,
        options: {
          ...targetOptions(o),
          model: o.model as string,
          fetchSize: o.fetchSize as number,
          maxBatchTokens: o.maxBatchTokens as number,
          maxBatchSize: o.maxBatchSize as number,
          ...(o.threads === undefined ? {} : { threads: o.threads as number }),
          commitEvery: o.commitEvery as number,
          device: o.device as 'cpu' | 'cuda',
          batchOrder: o.batchOrder as 'length' | 'table',
          vectorType: o.vectorType as 'real[]' | 'vector',
          retryErrors: o.retryErrors as boolean,
        },
      };
    });

  target(program.command('status'))
    .description('embedded, pending and errored rows')
    .option('--json', 'print as JSON', false)
    .action((o: Record<string, unknown>) => {
      parsed = { command: 'status', json: o.json as boolean, options: targetOptions(o) };
    });

  target(program.command('search'))
    .description(
      'embed a query and list the nearest rows (pgvector when the column is vector, else an exact scan)',
    )
    .argument('<query>', 'query text')
    .requiredOption('--model <dir>', 'the model the table was embedded with')
    .option('-k <n>', 'rows to return', positiveInteger, 10)
    .option('--json', 'print as JSON', false)
    .action((query: string, o: Record<string, unknown>) => {
      parsed = {
        command: 'search',
        json: o.json as boolean,
        options: { ...targetOptions(o), model: o.model as string, query, k: o.k as number },
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
    .option('--seed <s>', 'seed', 'prepkit')
    .option('--replace', 'drop the table first if it exists', false)
    .option('--json', 'print the counts as JSON', false)
    .action((o: Record<string, unknown>) => {
      parsed = {
        command: 'generate',
        json: o.json as boolean,
        options: {
          db: database(o),
          table: o.table as string,
          rows: o.rows as number,
          seed: o.seed as string,
          replace: o.replace as boolean,
        },
      };
    });

  const outcome = cli.parse(argv);
  if (outcome.kind !== 'parsed') return { command: 'help', text: outcome.text };
  if (parsed === undefined) return { command: 'help', text: cli.helpText() };
  return parsed;
}
