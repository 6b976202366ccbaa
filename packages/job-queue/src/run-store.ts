import { quoteIdentifier } from '@prepkit/db-cursors';
import type { Db } from 'pg-boss';

// The run tables beside pg-boss's, in the same schema. pg-boss knows jobs; these know runs: the config
// and plan, one row per shard with its summary, and the fan-in count that starts the commit. Every
// change that moves a run forward happens in the transaction that enqueues the next jobs, so a crash
// between the two cannot lose or duplicate a step.

export type RunState = 'planning' | 'running' | 'committing' | 'done' | 'failed';
export type ShardState = 'queued' | 'running' | 'done' | 'failed';

export interface RunRow {
  readonly runId: string;
  readonly pipeline: string;
  readonly config: unknown;
  readonly plan: unknown;
  readonly shards: number | null;
  readonly state: RunState;
  readonly result: unknown;
  readonly error: string | null;
  readonly submittedOn: Date;
  readonly updatedOn: Date;
}

export interface ShardRow {
  readonly shard: number;
  readonly state: ShardState;
  readonly attempts: number;
  readonly worker: string | null;
  readonly progress: { done: number; total: number | null } | null;
  readonly summary: unknown;
  readonly error: string | null;
  readonly updatedOn: Date;
}

export class RunStore {
  readonly #run: string;
  readonly #shard: string;

  /** `schema` is checked by resolveQueueOptions: lower-case letters, digits and _ (as pg-boss needs it). */
  constructor(schema: string) {
    this.#run = `${quoteIdentifier(schema)}.prepkit_run`;
    this.#shard = `${quoteIdentifier(schema)}.prepkit_shard`;
  }

  async install(db: Db): Promise<void> {
    // One statement, so that workers starting together serialise on the advisory lock.
    await db.executeSql(`
      DO $$ BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('prepkit job-queue tables'));
        CREATE TABLE IF NOT EXISTS ${this.#run} (
          run_id text PRIMARY KEY,
          pipeline text NOT NULL,
          config jsonb NOT NULL,
          plan jsonb,
          shards integer,
          state text NOT NULL DEFAULT 'planning'
            CHECK (state IN ('planning', 'running', 'committing', 'done', 'failed')),
          result jsonb,
          error text,
          submitted_on timestamptz NOT NULL DEFAULT now(),
          updated_on timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE IF NOT EXISTS ${this.#shard} (
          run_id text NOT NULL REFERENCES ${this.#run} ON DELETE CASCADE,
          shard integer NOT NULL,
          state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
          attempts integer NOT NULL DEFAULT 0,
          worker text,
          progress jsonb,
          summary jsonb,
          error text,
          updated_on timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (run_id, shard)
        );
      END $$`);
  }

  /** Records a new run; false when the run id exists already (a repeated submit). */
  async insertRun(db: Db, runId: string, pipeline: string, config: unknown): Promise<boolean> {
    const { rows } = await db.executeSql(
      `INSERT INTO ${this.#run} (run_id, pipeline, config) VALUES ($1, $2, $3::jsonb)
       ON CONFLICT (run_id) DO NOTHING RETURNING run_id`,
      [runId, pipeline, JSON.stringify(config)],
    );
    return rows.length === 1;
  }

  async getRun(db: Db, runId: string): Promise<RunRow | undefined> {
    const { rows } = await db.executeSql(`${this.#selectRuns()} WHERE run_id = $1`, [runId]);
    return rows[0] as RunRow | undefined;
  }

  async listRuns(db: Db, limit: number): Promise<RunRow[]> {
    const { rows } = await db.executeSql(
      `${this.#selectRuns()} ORDER BY submitted_on DESC, run_id LIMIT $1`,
      [limit],
    );
    return rows as RunRow[];
  }

  /** Runs of these pipelines not yet done or failed. */
  async countUnfinished(db: Db, pipelines: readonly string[]): Promise<number> {
    const { rows } = await db.executeSql(
      `SELECT count(*)::int AS n FROM ${this.#run} WHERE pipeline = ANY($1::text[]) AND state NOT IN ('done', 'failed')`,
      [pipelines],
    );
    return (rows[0] as { n: number }).n;
  }

  /**
   * Stores the plan and creates the shard rows; true only for the call that moved the run from
   * planning to running, which then enqueues the shard jobs (in the same transaction).
   */
  async recordPlan(tx: Db, runId: string, plan: unknown, shards: number): Promise<boolean> {
    const { rows } = await tx.executeSql(
      `UPDATE ${this.#run} SET plan = $2::jsonb, shards = $3, state = 'running', updated_on = now()
       WHERE run_id = $1 AND state = 'planning' RETURNING run_id`,
      [runId, JSON.stringify(plan), shards],
    );
    if (rows.length === 0) return false;
    await tx.executeSql(
      `INSERT INTO ${this.#shard} (run_id, shard) SELECT $1, g FROM generate_series(0, $2::int - 1) g
       ON CONFLICT DO NOTHING`,
      [runId, shards],
    );
    return true;
  }

  /** Marks a shard running; the attempt number, or undefined when there is nothing to do (done, or the run ended). */
  async startShard(db: Db, runId: string, shard: number, worker: string): Promise<number | undefined> {
    const { rows } = await db.executeSql(
      `UPDATE ${this.#shard} s SET state = 'running', attempts = attempts + 1, worker = $3, progress = NULL,
         updated_on = now()
       FROM ${this.#run} r
       WHERE s.run_id = $1 AND s.shard = $2 AND s.state <> 'done' AND r.run_id = s.run_id AND r.state = 'running'
       RETURNING s.attempts`,
      [runId, shard, worker],
    );
    return (rows[0] as { attempts: number } | undefined)?.attempts;
  }

  async recordProgress(
    db: Db,
    runId: string,
    shard: number,
    done: number,
    total: number | undefined,
  ): Promise<void> {
    await db.executeSql(
      `UPDATE ${this.#shard} SET progress = $3::jsonb, updated_on = now()
       WHERE run_id = $1 AND shard = $2 AND state = 'running'`,
      [runId, shard, JSON.stringify({ done, total: total ?? null })],
    );
  }

  /**
   * Stores a shard's summary. Under a lock on the run row, so two shards finishing at once count each
   * other: true only for the call that completed the last shard, which then enqueues the commit. A
   * second finish of the same shard (a job that ran twice) changes nothing and returns false.
   */
  async finishShard(tx: Db, runId: string, shard: number, summary: unknown): Promise<boolean> {
    const { rows: runs } = await tx.executeSql(
      `SELECT shards FROM ${this.#run} WHERE run_id = $1 FOR UPDATE`,
      [runId],
    );
    if (runs.length === 0) return false;
    const { rows: updated } = await tx.executeSql(
      `UPDATE ${this.#shard} SET state = 'done', summary = $3::jsonb, error = NULL, updated_on = now()
       WHERE run_id = $1 AND shard = $2 AND state <> 'done' RETURNING shard`,
      [runId, shard, JSON.stringify(summary)],
    );
    if (updated.length === 0) return false;
    const { rows: last } = await tx.executeSql(
      `UPDATE ${this.#run} r SET state = 'committing', updated_on = now()
       WHERE r.run_id = $1 AND r.state = 'running'
         AND (SELECT count(*) FROM ${this.#shard} s WHERE s.run_id = $1 AND s.state = 'done') = r.shards
       RETURNING run_id`,
      [runId],
    );
    return last.length === 1;
  }

  /** The summaries in shard order, for the commit. */
  async summaries(db: Db, runId: string): Promise<unknown[]> {
    const { rows } = await db.executeSql(
      `SELECT summary FROM ${this.#shard} WHERE run_id = $1 AND state = 'done' ORDER BY shard`,
      [runId],
    );
    return (rows as { summary: unknown }[]).map((row) => row.summary);
  }

  async finishRun(db: Db, runId: string, result: unknown): Promise<void> {
    await db.executeSql(
      `UPDATE ${this.#run} SET state = 'done', result = $2::jsonb, error = NULL, updated_on = now()
       WHERE run_id = $1 AND state IN ('committing', 'done')`,
      [runId, JSON.stringify(result ?? null)],
    );
  }

  /**
   * Records a failed attempt. `final`: no retry follows (retries spent, or an error no retry fixes), so
   * the shard and its run are failed, and the other shards of the run are skipped from now on.
   */
  async recordFailure(
    db: Db,
    runId: string,
    step: 'plan' | 'commit' | number,
    message: string,
    final: boolean,
  ): Promise<void> {
    if (typeof step === 'number') {
      await db.executeSql(
        `UPDATE ${this.#shard} SET state = $4, error = $3, updated_on = now()
         WHERE run_id = $1 AND shard = $2 AND state <> 'done'`,
        [runId, step, message, final ? 'failed' : 'queued'],
      );
    }
    if (!final) return;
    const where = typeof step === 'number' ? `shard ${step}` : step;
    await db.executeSql(
      `UPDATE ${this.#run} SET state = 'failed', error = $2, updated_on = now()
       WHERE run_id = $1 AND state NOT IN ('done', 'failed')`,
      [runId, `${where}: ${message}`],
    );
  }

  async shardsOf(db: Db, runId: string): Promise<ShardRow[]> {
    const { rows } = await db.executeSql(
      `SELECT shard, state, attempts, worker, progress, summary, error, updated_on AS "updatedOn"
       FROM ${this.#shard} WHERE run_id = $1 ORDER BY shard`,
      [runId],
    );
    return rows as ShardRow[];
  }

  #selectRuns(): string {
    return `SELECT run_id AS "runId", pipeline, config, plan, shards, state, result, error,
              submitted_on AS "submittedOn", updated_on AS "updatedOn"
            FROM ${this.#run}`;
  }
}
