import { PrepkitError } from '@prepkit/bench-harness/errors';
import { ConnectionError, describeFailure, isTransientError, redact, withRetry } from '@prepkit/db-cursors';
import type { MessageTable } from '../message-table.js';
import type { Strategy } from '../prepare-options.js';
import { restartableProgress } from '../progress.js';
import { loadWithCopy } from './copy.js';
import { loadWithCte } from './cte.js';
import type { LoadContext, LoadStats } from './load-context.js';
import { loadNaively } from './naive.js';
import { loadThreads } from './threads.js';

export type { LoadContext, LoadStats } from './load-context.js';
export { readQuery } from './read-query.js';
export type { ReadQuery, Selection } from './read-query.js';
export { latestNames, loadThreads, readReplyPairs, replyThreadsOf, sqlShardOf } from './threads.js';
export type { ThreadSelection } from './threads.js';

const LOADERS: Record<
  Strategy,
  (context: LoadContext) => Promise<{ table: MessageTable; stats: LoadStats }>
> = {
  naive: loadNaively,
  cte: loadWithCte,
  copy: loadWithCopy,
};

/**
 * Loads every selected message with `strategy` (all strategies return the same table), or, when
 * `context.threads` is set, the messages of those threads with `loadThreads`.
 */
export function loadMessages(
  strategy: Strategy,
  context: LoadContext,
): Promise<{ table: MessageTable; stats: LoadStats }> {
  if (context.threads !== undefined) return loadThreads(context, context.threads);
  return LOADERS[strategy](context);
}

/** Reads of the messages before a lost connection is reported (the first and 5 retries). */
const READ_ATTEMPTS = 6;

/**
 * `loadMessages`, read again from the start on a new connection when the server ended one
 * (pg_terminate_backend, a restart): reading is idempotent. Progress counts each message once.
 * Still lost after every attempt, it is one `ConnectionError` line (exit 2), whatever the driver
 * called it; `secrets` are masked in what it says.
 */
export function readMessages(
  strategy: Strategy,
  context: LoadContext,
  secrets: readonly (string | undefined)[],
): Promise<{ table: MessageTable; stats: LoadStats }> {
  const { signal } = context;
  const attempt = restartableProgress(context.phase);
  return withRetry(() => loadMessages(strategy, { ...context, phase: attempt() }), {
    retries: READ_ATTEMPTS - 1,
    ...(signal === undefined ? {} : { signal }),
  }).catch((error: unknown) => {
    if (signal?.aborted === true) throw error;
    const what = `prepare: reading messages (${strategy})`;
    if (isTransientError(error)) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConnectionError(
        redact(`${what}: the connection was lost on every attempt (${READ_ATTEMPTS}): ${reason}`, secrets),
        undefined,
        { cause: error },
      );
    }
    if (error instanceof PrepkitError) throw error;
    throw describeFailure(what, error, secrets);
  });
}
