import type pg from 'pg';
import { EmbeddingsInputError } from './errors.js';
import type { TargetTable, VectorType } from './target-table.js';

/**
 * Creates what a run needs: the vector column when missing (`real[]`, or `vector(dim)` when asked for
 * and pgvector is installed), the errors table (`<table>_embedding_errors`: id, reason, detail,
 * attempts, failed_at) and the claims table (`<table>_embedding_claims`: which live connection is
 * embedding which row), and an index for the pending-rows scan.
 */
export async function prepareTarget(
  client: pg.ClientBase,
  target: TargetTable,
  wanted: VectorType,
  dim: number,
): Promise<TargetTable> {
  const { q, idType } = target;
  let vectorType = target.vectorType;
  // Two runs starting together would race on IF NOT EXISTS (it is not atomic): one at a time.
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`prepkit-embeddings:${target.label}`]);
    if (vectorType === undefined) {
      if (wanted === 'vector') {
        const ext = await client.query("SELECT 1 FROM pg_extension WHERE extname = 'vector'");
        if (ext.rowCount === 0) {
          throw new EmbeddingsInputError(
            '--vector-type vector needs the pgvector extension (CREATE EXTENSION vector), or use real[]',
          );
        }
      }
      const type = wanted === 'vector' ? `vector(${dim})` : 'real[]';
      await client.query(`ALTER TABLE ${q.table} ADD COLUMN IF NOT EXISTS ${q.vector} ${type}`);
      vectorType = wanted;
    }
    // idType comes from format_type() of the catalog, not from the user.
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${q.errors} (
         id ${idType} PRIMARY KEY,
         reason text NOT NULL,
         detail text,
         attempts integer NOT NULL DEFAULT 1,
         failed_at timestamptz NOT NULL DEFAULT now())`,
    );
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${q.claims} (
         id ${idType} PRIMARY KEY,
         owner_pid integer NOT NULL,
         owner_started timestamptz,
         claimed_at timestamptz NOT NULL DEFAULT now())`,
    );
    // The pending rows in key order: each claim reads only rows still to do, whatever the planner
    // thinks of the table's statistics (without it, a plan flip to a sorted sequential scan after
    // autovacuum's ANALYZE made claims read the whole table each time).
    await client.query(
      `CREATE INDEX IF NOT EXISTS ${q.pendingIndex} ON ${q.table} (${q.id}) WHERE ${q.vector} IS NULL`,
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return { ...target, vectorType };
}
