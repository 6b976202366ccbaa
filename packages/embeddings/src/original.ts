import { Embedder } from './embedder.js';
import { withOneConnection } from './one-connection.js';
import { prepareTarget } from './prepare-target.js';
import { inspectTarget } from './target-table.js';
import type { TargetNames } from './target-table.js';

export interface OriginalOptions extends TargetNames {
  db: string;
  model: string;
  /** ONNX Runtime threads. Default: `os.availableParallelism()`. */
  threads?: number;
  /** Rows per OFFSET page. Default: 100 (the original's). */
  pageSize?: number;
  /** Texts per model batch, in table order. Default: 32 (the original's). */
  batchSize?: number;
}

export interface OriginalResult {
  readonly rows: number;
  readonly skipped: number;
  readonly wallMs: number;
}

/**
 * The original pipeline, kept as the benchmark's baseline: `LIMIT 100 OFFSET n` pages in table
 * order, fixed batches of 32 texts padded to their longest, one `UPDATE` per row and a commit per
 * batch, the model on the calling thread. Rows with null or empty text are skipped, not recorded.
 */
export async function embedTableOriginal(options: OriginalOptions): Promise<OriginalResult> {
  const pageSize = options.pageSize ?? 100;
  const batchSize = options.batchSize ?? 32;
  const started = performance.now();
  const embedder = await Embedder.open({
    model: options.model,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    inProcess: true,
    batchOrder: 'table',
    maxBatchSize: batchSize,
    maxBatchTokens: Number.MAX_SAFE_INTEGER,
  });
  let rows = 0;
  let skipped = 0;
  try {
    await withOneConnection(
      options.db,
      `embeddings original (${options.table})`,
      'prepkit-embeddings-original',
      async (client) => {
        const target = await prepareTarget(
          client,
          await inspectTarget(client, options),
          'real[]',
          embedder.dim,
        );
        const { q } = target;
        for (let offset = 0; ; offset += pageSize) {
          const page = await client.query<{ id: string; text: string | null }>(
            `SELECT ${q.id}::text AS id, ${q.text} AS text FROM ${q.table} ORDER BY ${q.id} LIMIT $1 OFFSET $2`,
            [pageSize, offset],
          );
          if (page.rows.length === 0) break;
          for (let b = 0; b < page.rows.length; b += batchSize) {
            const batch = page.rows.slice(b, b + batchSize);
            const { vectors } = await embedder.embed(batch.map((r) => r.text));
            await client.query('BEGIN');
            for (const [i, row] of batch.entries()) {
              const vector = vectors[i];
              if (vector === undefined) {
                skipped++;
                continue;
              }
              await client.query(`UPDATE ${q.table} SET ${q.vector} = $1 WHERE ${q.id} = $2`, [
                Array.from(vector),
                row.id,
              ]);
              rows++;
            }
            await client.query('COMMIT');
          }
        }
      },
    );
  } finally {
    await embedder.close();
  }
  return { rows, skipped, wallMs: performance.now() - started };
}
