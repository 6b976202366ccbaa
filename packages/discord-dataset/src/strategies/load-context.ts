import type pg from 'pg';
import type { PhaseProgress } from '../progress.js';
import type { ReadQuery } from './read-query.js';
import type { ThreadSelection } from './threads.js';

/** What a strategy gets: a pool, the query pieces, progress and cancellation. */
export interface LoadContext {
  readonly pool: pg.Pool;
  readonly query: ReadQuery;
  readonly phase: PhaseProgress;
  readonly signal: AbortSignal | undefined;
  /** Only these threads (a `--shard` run, the plan's look at a few threads): read by `loadThreads`. */
  readonly threads?: ThreadSelection;
}

/** What a strategy did, besides the rows: how many statements it sent. */
export interface LoadStats {
  readonly queries: number;
}
