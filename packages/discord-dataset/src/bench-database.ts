import { runBenchmark } from '@prepkit/bench-harness';
import type { BenchmarkResult, BenchmarkVariant } from '@prepkit/bench-harness';
import { READ_COLUMNS, openDatabase, requireColumns } from './database.js';
import { InvalidOptionError } from '@prepkit/bench-harness/errors';
import { prepareDiscordDataset } from './prepare.js';
import type { PrepareOptions, Strategy } from './prepare-options.js';
import { STRATEGIES } from './prepare-options.js';

export interface BenchDatabaseOptions extends Omit<
  PrepareOptions,
  'train' | 'valid' | 'strategy' | 'manifest' | 'readOnly' | 'reporter'
> {
  /** Strategies to compare, the first being the baseline. Default: `['cte', 'copy']` (naive sends one query per message). */
  strategies?: readonly Strategy[];
  /** Measured runs per strategy. Default: 1. */
  repeats?: number;
  /** Unmeasured runs first. Default: 0. */
  warmup?: number;
  /** Save the result under `bench-results/`. Default: false. */
  save?: boolean;
}

/** The defaults of `BenchDatabaseOptions` (naive is left out: it sends one query per message). */
export const DEFAULT_BENCH_DATABASE_OPTIONS = Object.freeze({
  strategies: Object.freeze<Strategy[]>(['cte', 'copy']),
  repeats: 1,
  warmup: 0,
  save: false,
});

/** An index `optimize_indexes.sql` creates that the database lacks. */
export interface MissingIndex {
  readonly column: string;
  readonly why: string;
  readonly create: string;
}

export interface BenchDatabaseResult {
  readonly benchmark: BenchmarkResult;
  readonly missingIndexes: readonly MissingIndex[];
}

const EXPECTED_INDEXES: readonly MissingIndex[] = [
  {
    column: 'id',
    why: 'parents are looked up by id',
    create: 'ALTER TABLE messages ADD PRIMARY KEY (id);',
  },
  {
    column: 'referenced_message_id',
    why: 'replies are looked up by the message they reply to (naive, cte)',
    create:
      'CREATE INDEX messages_referenced_message_id_idx ON messages (referenced_message_id) WHERE referenced_message_id IS NOT NULL;',
  },
  {
    column: 'channel_id',
    why: '--channel selections',
    create: 'CREATE INDEX messages_channel_id_created_at_idx ON messages (channel_id, created_at);',
  },
  {
    column: 'created_at',
    why: '--since/--until selections',
    create: 'CREATE INDEX messages_created_at_idx ON messages (created_at);',
  },
];

/**
 * Measures the strategies against a user's own database, read-only (every connection has
 * `default_transaction_read_only`), writing the outputs to a temporary directory and checking that
 * every strategy wrote the same bytes; lists the indexes of `optimize_indexes.sql` that are missing.
 *
 * @example
 * const { benchmark, missingIndexes } = await benchDatabase({ db: url });
 * console.log(benchmark.table);
 */
export async function benchDatabase(options: BenchDatabaseOptions): Promise<BenchDatabaseResult> {
  const d = DEFAULT_BENCH_DATABASE_OPTIONS;
  const strategies = [...(options.strategies ?? d.strategies)];
  if (strategies.length === 0 || strategies.some((s) => !STRATEGIES.includes(s))) {
    throw new InvalidOptionError(`options.strategies must be among ${STRATEGIES.join(', ')}`);
  }
  const db = await openDatabase(options.db, 'bench', { readOnly: true, max: 1 });
  let messages = 0;
  let missingIndexes: MissingIndex[];
  try {
    await requireColumns(db.pool, 'messages', READ_COLUMNS, 'bench');
    const { rows } = await db.pool.query<{ column: string }>(
      `SELECT a.attname AS column
         FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
        WHERE i.indrelid = to_regclass('messages')`,
    );
    const indexed = new Set(rows.map((r) => r.column));
    missingIndexes = EXPECTED_INDEXES.filter((index) => !indexed.has(index.column));
    const count = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM messages');
    messages = Number(count.rows[0]?.n ?? 0);
  } finally {
    await db.close();
  }
  const { repeats, warmup, save } = options;
  const prepare = without(options, ['strategies', 'repeats', 'warmup', 'save']);
  const variants: BenchmarkVariant<undefined>[] = strategies.map((strategy) => ({
    name: strategy,
    async run({ outputDir }) {
      const result = await prepareDiscordDataset({
        ...prepare,
        strategy,
        readOnly: true,
        train: `${outputDir}/train.jsonl`,
        valid: `${outputDir}/valid.jsonl`,
        manifest: false,
        overwrite: true,
      });
      return { items: result.messages, outputs: ['train.jsonl', 'valid.jsonl'] };
    },
  }));
  const benchmark = await runBenchmark({
    package: 'discord-dataset',
    name: `prepare from your database (${messages.toLocaleString('en')} messages in messages)`,
    unit: 'messages',
    variants,
    baseline: strategies[0]!,
    warmup: warmup ?? d.warmup,
    repeats: repeats ?? d.repeats,
    params: { messages, strategies, database: db.safeUrl },
    noSave: !(save ?? d.save),
  });
  return { benchmark, missingIndexes };
}

function without<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Omit<T, K> {
  const copy = { ...value };
  for (const key of keys) delete copy[key];
  return copy;
}
