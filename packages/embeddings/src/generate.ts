import { Prng } from '@prepkit/bench-harness';
import {
  AbortedError,
  PrepkitError,
  assertNonNegativeInteger,
  assertPositiveInteger,
} from '@prepkit/bench-harness/errors';
import {
  bulkInsert,
  checkDatabaseUrl,
  createPool,
  describeFailure,
  passwordOf,
  quoteIdentifier,
  quoteTable,
} from '@prepkit/db-cursors';
import { definedFields } from './defined-fields.js';
import { EmbeddingsInputError } from './errors.js';
import { parseTableName } from './target-table.js';
import { COMMON_WORDS, SYLLABLES } from './test-model/vocabulary.js';

export interface GenerateOptions {
  db: string;
  /** Table to create: `id bigint PRIMARY KEY, content text`. */
  table: string;
  rows: number;
  /** Default: `prepkit`. */
  seed?: string;
  /** Drop the table first if it exists. Default: false (an existing table is an error). */
  replace?: boolean;
  /** Rows per COPY batch. Default: 10,000. */
  batchSize?: number;
  /** Stops the run; the table is left half-filled (use `replace` to start again). */
  signal?: AbortSignal;
}

export type ResolvedGenerateOptions = Readonly<
  Required<Omit<GenerateOptions, 'signal'>> & { signal: AbortSignal | undefined }
>;

export const DEFAULT_GENERATE_OPTIONS = Object.freeze({ seed: 'prepkit', replace: false, batchSize: 10_000 });

/** Fills defaults and validates once (`options.rows must be a non-negative integer (got -1)`). */
export function resolveGenerateOptions(options: GenerateOptions): ResolvedGenerateOptions {
  const resolved = {
    ...DEFAULT_GENERATE_OPTIONS,
    ...definedFields(options),
    db: checkDatabaseUrl(options.db),
    signal: options.signal,
  };
  parseTableName(resolved.table);
  assertNonNegativeInteger('rows', resolved.rows);
  assertPositiveInteger('batchSize', resolved.batchSize);
  return Object.freeze(resolved);
}

export interface GenerateResult {
  readonly table: string;
  readonly rows: number;
  readonly nulls: number;
  readonly empties: number;
  readonly characters: number;
}

/**
 * The length mix of generated texts: many short chat messages, fewer paragraphs, some long
 * documents (longer than a model's max_length, so truncation happens), and a few null or empty rows.
 */
const LENGTH_MIX: readonly { share: number; minWords: number; maxWords: number }[] = [
  { share: 0.65, minWords: 1, maxWords: 12 },
  { share: 0.25, minWords: 12, maxWords: 40 },
  { share: 0.08, minWords: 40, maxWords: 120 },
  { share: 0.02, minWords: 120, maxWords: 400 },
];
const NULL_SHARE = 0.004;
const EMPTY_SHARE = 0.004;

/** One generated text (or null), drawn from `prng`. */
export function generateText(prng: Prng): string | null {
  const roll = prng.next();
  if (roll < NULL_SHARE) return null;
  if (roll < NULL_SHARE + EMPTY_SHARE) return prng.next() < 0.5 ? '' : '   ';
  let pick = prng.next();
  let bucket = LENGTH_MIX[0]!;
  for (const b of LENGTH_MIX) {
    bucket = b;
    if (pick < b.share) break;
    pick -= b.share;
  }
  const words = bucket.minWords + prng.int(bucket.maxWords - bucket.minWords + 1);
  let text = '';
  let sentenceStart = true;
  for (let w = 0; w < words; w++) {
    let word: string;
    const kind = prng.next();
    if (kind < 0.82) word = prng.pick(COMMON_WORDS);
    else if (kind < 0.97)
      word = prng.pick(SYLLABLES) + prng.pick(SYLLABLES) + (prng.next() < 0.4 ? prng.pick(SYLLABLES) : '');
    else word = String(prng.int(10_000));
    if (sentenceStart) word = word.charAt(0).toUpperCase() + word.slice(1);
    text += (w === 0 ? '' : ' ') + word;
    sentenceStart = false;
    const punct = prng.next();
    if (punct < 0.08) {
      text += prng.pick(['.', '.', '!', '?']);
      sentenceStart = true;
    } else if (punct < 0.14) text += ',';
  }
  return text;
}

/**
 * Creates `table` (`id bigint PRIMARY KEY, content text`) and fills it with `rows` generated texts,
 * ids 1…rows; the same seed gives the same rows.
 *
 * @example
 * await generateTexts({ db: url, table: 'docs', rows: 100_000, seed: 'bench' });
 */
export async function generateTexts(options: GenerateOptions): Promise<GenerateResult> {
  const o = resolveGenerateOptions(options);
  const { rows, seed, batchSize } = o;
  const table = parseTableName(o.table);
  const quoted = quoteTable(table);
  const pool = createPool(o.db, { max: 1, applicationName: 'prepkit-embeddings' });
  const secrets = [passwordOf(o.db)];
  try {
    if (o.replace) await pool.query(`DROP TABLE IF EXISTS ${quoted}`);
    const exists = await pool.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [
      quoted,
    ]);
    if (exists.rows[0]?.found === true) {
      throw new EmbeddingsInputError(
        `table ${o.table} already exists (use --replace to drop and regenerate it)`,
      );
    }
    await pool.query(
      `CREATE TABLE ${quoted} (${quoteIdentifier('id')} bigint PRIMARY KEY, ${quoteIdentifier('content')} text)`,
    );
    const prng = new Prng(`generate:${seed}`);
    const result = { table: o.table, rows, nulls: 0, empties: 0, characters: 0 };
    function* batches(): Generator<unknown[][]> {
      for (let from = 1; from <= rows; from += batchSize) {
        const batch: unknown[][] = [];
        for (let id = from; id < Math.min(from + batchSize, rows + 1); id++) {
          const text = generateText(prng);
          if (text === null) result.nulls++;
          else if (text.trim() === '') result.empties++;
          else result.characters += text.length;
          batch.push([id, text]);
        }
        yield batch;
      }
    }
    await bulkInsert(pool, {
      table,
      columns: ['id', 'content'],
      batches: batches(),
      commitEvery: 1_000_000,
      signal: o.signal,
    });
    await pool.query(`ANALYZE ${quoted}`);
    return result;
  } catch (error) {
    if (o.signal?.aborted === true && !(error instanceof AbortedError))
      throw new AbortedError('embeddings generate', { cause: error });
    if (error instanceof PrepkitError) throw error;
    throw describeFailure(`embeddings generate (${o.table})`, error, secrets);
  } finally {
    await pool.end();
  }
}
