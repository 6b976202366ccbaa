import type pg from 'pg';
import type { PhaseProgress } from '../progress.js';
import type { ReadQuery } from './read-query.js';

/** What a strategy gets: a pool, the query pieces, progress and cancellation. */
export interface LoadContext {
  readonly pool: pg.Pool;
  readonly query: ReadQuery;
  readonly phase: PhaseProgress;
  readonly signal: AbortSignal | undefined;
}

/** What a strategy did, besides the rows: how many statements it sent. */
export interface LoadStats {
  readonly queries: number;
}
