import type { MessageTable } from '../message-table.js';
import type { Strategy } from '../prepare-options.js';
import { loadWithCopy } from './copy.js';
import { loadWithCte } from './cte.js';
import type { LoadContext, LoadStats } from './load-context.js';
import { loadNaively } from './naive.js';

export type { LoadContext, LoadStats } from './load-context.js';
export { readQuery } from './read-query.js';
export type { ReadQuery, Selection } from './read-query.js';

const LOADERS: Record<
  Strategy,
  (context: LoadContext) => Promise<{ table: MessageTable; stats: LoadStats }>
> = {
  naive: loadNaively,
  cte: loadWithCte,
  copy: loadWithCopy,
};

/** Loads every selected message with `strategy`; all strategies return the same table. */
export function loadMessages(
  strategy: Strategy,
  context: LoadContext,
): Promise<{ table: MessageTable; stats: LoadStats }> {
  return LOADERS[strategy](context);
}
