import type { Phase } from '@prepkit/bench-harness';
import { AbortedError, PrepkitError } from '@prepkit/bench-harness/errors';
import { BulkWriteError, createPool, describeFailure, passwordOf } from '@prepkit/db-cursors';
import { ConnectionLostError, isConnectionLost, retryOnConnectionLoss } from '@prepkit/db-cursors';
import type pg from 'pg';
import { runPipeline } from './embed-pipeline.js';
import type { EmbedTableResult } from './embed-pipeline.js';
import { resolveEmbedTableOptions } from './embed-options.js';
import type { EmbedTableOptions } from './embed-options.js';
import { Embedder } from './embedder.js';
import { RowClaims } from './row-claims.js';
import { prepareTarget } from './prepare-target.js';
import { inspectTarget } from './target-table.js';

export type { EmbedTableResult } from './embed-pipeline.js';
export { vectorLiteral } from './embed-pipeline.js';

/**
 * Embeds every row of a table that has no vector yet and writes the vectors back: claims keyset
 * windows of pending rows, tokenises, sorts each window by length into batches under a token budget,
 * runs the model on its own thread, and writes in bulk, committing every `commitEvery` windows —
 * all stages at once, so the model does not wait on the database. Rows with null, empty or invalid
 * text go to `<table>_embedding_errors`. Killed and restarted, or run twice at once, it embeds each
 * row once (see RowClaims).
 *
 * @example
 * const result = await embedTable({ db: url, table: 'messages', model: 'models/tiny' });
 */
export async function embedTable(options: EmbedTableOptions): Promise<EmbedTableResult> {
  const o = resolveEmbedTableOptions(options);
  const { reporter, signal } = o;
  const secrets = [passwordOf(o.db)];
  const what = `embeddings run (${o.table})`;
  const pool = createPool(o.db, {
    max: 3,
    applicationName: 'prepkit-embeddings',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  // Reads and idempotent statements (DDL with IF NOT EXISTS in one transaction) run again on a new
  // connection when the server ends one.
  const retried = <T>(step: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> =>
    retryOnConnectionLoss(() => withClient(pool, work), {
      what: `${what}: ${step}`,
      ...(signal === undefined ? {} : { signal }),
    });
  let embedder: Embedder | undefined;
  let claims: RowClaims | undefined;
  try {
    // The table, its columns and its key are checked before the model loads and before any DDL.
    const inspected = await retried('reading the table', (client) => inspectTarget(client, o));
    embedder = await Embedder.open({
      model: o.model,
      threads: o.threads,
      maxBatchTokens: o.maxBatchTokens,
      maxBatchSize: o.maxBatchSize,
      batchOrder: o.batchOrder,
      device: o.device,
    });
    const dim = embedder.dim;
    const target = await retried('preparing the table', (client) =>
      prepareTarget(client, inspected, o.vectorType, dim),
    );
    const started = await retried('reading the time', (client) =>
      client.query<{ now: Date }>('SELECT now() AS now'),
    );
    claims = new RowClaims(pool, target, {
      fetchSize: o.fetchSize,
      retryErrors: o.retryErrors,
      runStartedAt: started.rows[0]!.now,
      ...(signal === undefined ? {} : { signal }),
    });
    await claims.releaseStale();
    const pending = await claims.unclaimedPending();
    reporter?.set('table', target.label);
    reporter?.set('pending_at_start', pending);
    const rowClaims = claims;
    const run = async (phase?: Phase): Promise<EmbedTableResult> =>
      runPipeline(o, pool, embedder!, target, rowClaims, pending, phase);
    let result: EmbedTableResult;
    try {
      result =
        reporter === undefined
          ? await run()
          : await reporter.phase('embed', run, { total: pending, unit: 'rows' });
    } finally {
      // Also when interrupted: uncommitted rows go back to pending now, not when the connection ends.
      await claims.releaseOwn().catch(() => undefined);
    }
    // Rows that failed before and have a vector now are no longer errors.
    const { q } = target;
    await retried('clearing errors', (client) =>
      client.query(
        `DELETE FROM ${q.errors} e USING ${q.table} t WHERE e.id = t.${q.id} AND t.${q.vector} IS NOT NULL`,
      ),
    );
    return result;
  } catch (error) {
    if (signal?.aborted === true && !(error instanceof AbortedError))
      throw new AbortedError('embeddings run', { cause: error });
    if (error instanceof BulkWriteError && isConnectionLost(error.cause)) {
      // bulkUpdate retried the write and the server ended every attempt.
      throw new ConnectionLostError(
        `${what}: writing vectors: the server closed the connection (${error.committedRows} rows committed are kept; a new run finishes the rest)`,
        { cause: error },
      );
    }
    if (error instanceof PrepkitError) throw error;
    throw describeFailure(what, error, secrets);
  } finally {
    claims?.close();
    await embedder?.close();
    await pool.end();
  }
}

/** How long a connection attempt may take: an unreachable host fails in bounded time, not never. */
const CONNECT_TIMEOUT_MS = 30_000;

/** Runs `work` on a connection of `pool`; a connection the server ended is discarded, not pooled. */
async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  const onError = (): void => {
    broken = true;
  };
  client.on('error', onError);
  try {
    return await work(client);
  } catch (error) {
    broken ||= isConnectionLost(error);
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(broken ? true : undefined);
  }
}
