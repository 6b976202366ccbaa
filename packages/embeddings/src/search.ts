import { assertPositiveInteger } from '@prepkit/bench-harness/errors';
import { checkDatabaseUrl } from '@prepkit/db-cursors';
import { Embedder } from './embedder.js';
import { definedFields } from './defined-fields.js';
import { EmbeddingsInputError } from './errors.js';
import { withOneConnection } from './one-connection.js';
import { DEFAULT_TARGET_NAMES, inspectTarget } from './target-table.js';
import type { TargetNames } from './target-table.js';

export interface SearchOptions extends TargetNames {
  db: string;
  model: string;
  query: string;
  /** Rows to return. Default: 10. */
  k?: number;
  /** ONNX Runtime threads for the query. Default: 1. */
  threads?: number;
}

export type ResolvedSearchOptions = Readonly<Required<SearchOptions>>;

export const DEFAULT_SEARCH_OPTIONS = Object.freeze({ k: 10, threads: 1 });

/** Fills defaults and validates once (`options.k must be a positive integer (got 0)`). */
export function resolveSearchOptions(options: SearchOptions): ResolvedSearchOptions {
  const resolved = {
    ...DEFAULT_TARGET_NAMES,
    ...DEFAULT_SEARCH_OPTIONS,
    ...definedFields(options),
    db: checkDatabaseUrl(options.db),
  };
  assertPositiveInteger('k', resolved.k);
  assertPositiveInteger('threads', resolved.threads);
  if (typeof resolved.query !== 'string' || resolved.query.trim() === '')
    throw new EmbeddingsInputError('the query text is empty');
  return Object.freeze(resolved);
}

export interface SearchHit {
  readonly id: string;
  readonly text: string | null;
  /** Cosine similarity to the query. */
  readonly score: number;
}

export interface SearchResult {
  readonly hits: readonly SearchHit[];
  /** `pgvector` (the `<=>` operator, and its index if any) or `exact-scan` (every vector compared in SQL). */
  readonly method: 'pgvector' | 'exact-scan';
}

/**
 * Embeds `query` with the model and returns the `k` rows whose vectors are nearest by cosine:
 * through pgvector's `<=>` when the column is `vector(n)`, otherwise an exact scan over `real[]`.
 *
 * @example
 * const { hits } = await searchTable({ db: url, table: 'docs', model: 'models/tiny', query: 'slow database' });
 */
export async function searchTable(options: SearchOptions): Promise<SearchResult> {
  const o = resolveSearchOptions(options);
  const embedder = await Embedder.open({ model: o.model, threads: o.threads, inProcess: true });
  try {
    return await withOneConnection(
      o.db,
      `embeddings search (${o.table})`,
      'prepkit-embeddings',
      async (client) => {
        const vector = (await embedder.embed([o.query])).vectors[0]!;
        const target = await inspectTarget(client, o);
        const { q } = target;
        if (target.vectorType === undefined) {
          throw new EmbeddingsInputError(
            `table ${o.table} has no vector column yet: run \`embeddings run\` first`,
          );
        }
        const pgvector = target.vectorType === 'vector';
        const sql = pgvector
          ? `SELECT t.${q.id}::text AS id, t.${q.text} AS text, 1 - (t.${q.vector} <=> $1::vector) AS score
           FROM ${q.table} t WHERE t.${q.vector} IS NOT NULL ORDER BY t.${q.vector} <=> $1::vector LIMIT $2`
          : `SELECT id, text, score FROM (
           SELECT t.${q.id}::text AS id, t.${q.text} AS text,
                  (SELECT sum(a * b) / NULLIF(sqrt(sum(a * a) * sum(b * b)), 0)
                     FROM unnest(t.${q.vector}, $1::real[]) AS u(a, b)) AS score
             FROM ${q.table} t WHERE t.${q.vector} IS NOT NULL) s
         ORDER BY score DESC NULLS LAST, id LIMIT $2`;
        const values = pgvector ? `[${vector.join(',')}]` : Array.from(vector);
        const { rows } = await client.query<{ id: string; text: string | null; score: number }>(sql, [
          values,
          o.k,
        ]);
        return {
          hits: rows.map((r) => ({ id: r.id, text: r.text, score: Number(r.score) })),
          method: pgvector ? 'pgvector' : 'exact-scan',
        };
      },
    );
  } finally {
    await embedder.close();
  }
}
